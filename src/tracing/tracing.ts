// OpenTelemetry tracing for one gateway: a tracer provider of its own (never registered globally, so
// tests can run several gateways, and nothing else in the process is traced by accident), a batch
// span processor exporting over OTLP/HTTP, and an AsyncLocalStorage that carries the current
// request's spans to the database layer. Built only when TracingConfig is set; otherwise no hook,
// wrapper or plugin is installed at all and requests pay nothing for it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config';
import { ATTR_REQUEST_ID, TRACER_NAME } from '../constants/tracing.constants';
import { OtlpHttpSpanExporter } from './otlp-http.exporter';

/**
 * The spans of one HTTP request: `request` (the server span) and `current`, the span new children
 * hang under (the GraphQL operation while one runs, else the request).
 */
export interface TraceScope {
  readonly requestId: string;
  readonly request: Span;
  current: Span;
}

/** A request's headers as Node gives them. */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

const propagator = new W3CTraceContextPropagator();

/** One gateway's tracer; see the file comment. */
export class Tracing {
  private readonly scopes = new AsyncLocalStorage<TraceScope>();

  private constructor(
    private readonly provider: BasicTracerProvider,
    private readonly tracer: Tracer,
  ) {}

  /** A provider exporting to `config.endpoint`; `warn` hears of failed exports (spans are then dropped, never retried forever). */
  static start(config: TracingConfig, warn: (message: string) => void): Tracing {
    const exporter = new OtlpHttpSpanExporter(config, warn);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: config.serviceName }),
      sampler: sampler(config),
      spanProcessors: [
        new BatchSpanProcessor(exporter, {
          scheduledDelayMillis: config.batch.scheduledDelayMs,
          maxQueueSize: config.batch.maxQueueSize,
          maxExportBatchSize: Math.min(config.batch.maxExportBatchSize, config.batch.maxQueueSize),
          exportTimeoutMillis: config.exportTimeoutMs,
        }),
      ],
    });
    return new Tracing(provider, provider.getTracer(TRACER_NAME));
  }

  /**
   * Starts the server span of a request, continuing the caller's trace when it sent a W3C
   * `traceparent` (https://www.w3.org/TR/trace-context/); only the method is recorded now, the route
   * and status when it ends.
   */
  startRequest(requestId: string, method: string, headers: Headers): TraceScope {
    const parent = headers.traceparent ? propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, [ATTR_REQUEST_ID]: requestId } }, parent);
    return { requestId, request: span, current: span };
  }

  /** Makes `scope` the current one for everything `fn` starts, synchronously or asynchronously. */
  run<T>(scope: TraceScope, fn: () => T): T {
    return this.scopes.run(scope, fn);
  }

  /** Makes `scope` current for the rest of this asynchronous flow (a hook that cannot wrap what follows it). */
  enter(scope: TraceScope): void {
    this.scopes.enterWith(scope);
  }

  /** The current request's spans, or undefined outside a traced request (start-up, background work). */
  scope(): TraceScope | undefined {
    return this.scopes.getStore();
  }

  /** A span under `scope.current`, carrying the request id; the caller ends it. */
  startChild(scope: TraceScope, name: string, kind: SpanKind, attributes: Attributes): Span {
    const parent = trace.setSpan(ROOT_CONTEXT, scope.current);
    return this.tracer.startSpan(name, { kind, attributes: { ...attributes, [ATTR_REQUEST_ID]: scope.requestId } }, parent);
  }

  /**
   * Exports what is buffered and stops; later spans are dropped. Never rejects: a failed last export
   * has already been logged by the exporter, and a collector that is down must not fail a shutdown.
   */
  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}

/** Marks `span` failed with `errorType` (an HTTP status, an error code or an error class name; never a message). */
export function failSpan(span: Span, errorType: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG as the SDK environment specification defines them. */
function sampler(config: TracingConfig): Sampler {
  const root = (name: string): Sampler => {
    if (name.endsWith('always_off')) return new AlwaysOffSampler();
    if (name.endsWith('traceidratio')) return new TraceIdRatioBasedSampler(config.samplerRatio);
    return new AlwaysOnSampler();
  };
  return config.sampler.startsWith('parentbased_') ? new ParentBasedSampler({ root: root(config.sampler) }) : root(config.sampler);
}
