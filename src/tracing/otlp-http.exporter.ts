// OTLP over HTTP (https://opentelemetry.io/docs/specs/otlp/#otlphttp): spans serialised by the
// OpenTelemetry SDK's own OTLP serialisers (protobuf or JSON) and POSTed to the configured URL with
// node:http. The SDK's stock exporters would do the same but also read OTEL_* from process.env
// themselves (here src/config.ts is the only reader) and load node:http through a dynamic import().
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../config';

const CONTENT_TYPES = { 'http/protobuf': 'application/x-protobuf', 'http/json': 'application/json' } as const;
const SUCCESS_STATUS_MIN = 200;
const SUCCESS_STATUS_MAX = 299;

/**
 * Exports spans to `config.endpoint`, one POST per batch; a batch the collector refuses or that
 * fails in transit is reported as failed, and to `warn` (the batch processor then drops it: no
 * unbounded retry; the SDK's own report would go to a global diagnostic logger nobody reads).
 */
export class OtlpHttpSpanExporter implements SpanExporter {
  private readonly serializer;
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly config: Pick<TracingConfig, 'endpoint' | 'protocol' | 'headers' | 'exportTimeoutMs'>,
    private readonly warn: (message: string) => void,
  ) {
    this.serializer = config.protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) return done({ code: ExportResultCode.FAILED, error: new Error('the exporter is shut down') });
    const body = this.serializer.serializeRequest(spans);
    if (!body) return done({ code: ExportResultCode.FAILED, error: new Error('the spans could not be serialised') });
    const sent = this.post(body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => {
        this.warn(`OpenTelemetry: ${spans.length} spans could not be exported to ${this.config.endpoint} (${error.message}); they are dropped`);
        done({ code: ExportResultCode.FAILED, error });
      },
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  /** Resolves when every export in flight has ended. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
  }

  /** One POST; rejects on a non-2xx status (naming it), a network error or the timeout (the whole exchange, not idle time). */
  private post(body: Uint8Array): Promise<void> {
    const url = new URL(this.config.endpoint);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<void>((resolve, reject) => {
      const request = send(
        url,
        {
          method: 'POST',
          signal: AbortSignal.timeout(this.config.exportTimeoutMs),
          headers: { ...this.config.headers, 'content-type': CONTENT_TYPES[this.config.protocol], 'content-length': body.byteLength },
        },
        (response: IncomingMessage) => {
          response.resume();
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= SUCCESS_STATUS_MIN && status <= SUCCESS_STATUS_MAX) resolve();
            else reject(new Error(`the collector answered HTTP ${status}`));
          });
          response.on('error', reject);
        },
      );
      request.on('error', (error: Error) => reject(error.name === 'AbortError' || error.name === 'TimeoutError' ? new Error(`no answer within ${this.config.exportTimeoutMs} ms (OTEL_EXPORTER_OTLP_TIMEOUT)`) : error));
      request.end(body);
    });
  }
}
