// A shortcut through POST /graphql for the gateway's main caller: a backend with project credentials
// (Authorization: Basic) sending one JSON operation. Profiled, Apollo Server's per-request pipeline
// (a dozen plugin hooks, schema instrumentation for cache control, request cloning, content
// negotiation) cost about as much CPU as graphql-js executing the operation. This path does what
// Apollo does for exactly that request shape and nothing else:
//   - the document is parsed with the same parse options (token limit) and validated with graphql-js's
//     specified rules plus the same extra rules (graphql-armor's limits, ours) before it is cached;
//     Apollo caches validated documents by query too, so no check runs less often than there;
//   - the context comes from the same function Apollo is given, the operation runs through graphql-js
//     `execute` on the same schema;
//   - the plugins it is given see `requestDidStart`, `didResolveOperation`, `didEncounterErrors` and
//     `willSendResponse` as Apollo calls them (request ids on errors, logging, metrics, the rate limit);
//     an error thrown by `didResolveOperation` (a rate-limit refusal) is answered as Apollo answers it:
//     the error alone, nothing executed;
//   - errors are normalised as Apollo does (a code on each, `extensions.http` lifted into the
//     response status and headers) and then given to the same formatError;
//   - the body is Apollo's: `{errors, data, extensions}` in that order, JSON plus a newline.
// Apollo and this path are built from one settings object (src/api/graphql.settings.ts): same
// schema, parse options, validation rules, formatError (the one error policy) and plugins, the rate
// limit's included.
// Anything else, and anything this path cannot answer exactly as Apollo would (a parse or validation
// error, an unknown operation name, variables that do not coerce, a plugin hook it does not drive, an
// Accept header it would have to negotiate), goes to Apollo before anything has run.
import {
  execute,
  GraphQLError,
  getOperationAST,
  getVariableValues,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type ValidationRule,
} from 'graphql';
import { HeaderMap, type GraphQLRequestListener, type HTTPGraphQLHead } from '@apollo/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/error.catalogue';
import { graphqlError } from '../errors/error.wire';
import type { GatewayContext } from '../graphql/context';
import type { GraphqlSettings } from './graphql.settings';

/** Validated documents kept, by query text (least recently used dropped first). */
const MAX_CACHED_DOCUMENTS = 500;
/** Longer query texts are not cached (they still take this path, parsed and validated each time). */
const MAX_CACHED_QUERY_CHARS = 16_384;
/**
 * All cached query texts together. A parsed document with locations takes about 100 times its text
 * (measured: ~370 KB for a 700-token operation), so this bounds the cache near 25 MB, as Apollo's own
 * document store is bounded by size rather than by count.
 */
const MAX_CACHED_TOTAL_CHARS = 256 * 1024;
/** Apollo's cache-control plugin marks every answer without cache hints (all of ours) as not storable. */
const NO_STORE = 'no-store';
/** The media type Apollo answers a single result with when the client accepts JSON (Apollo's MEDIA_TYPES.APPLICATION_JSON). */
const APPLICATION_JSON = 'application/json; charset=utf-8';
/** Accept headers for which Apollo's negotiation picks application/json without a doubt. */
const ACCEPTS_JSON = new Set([undefined, '*/*', 'application/json', APPLICATION_JSON]);
const JSON_CONTENT_TYPE = /^application\/json\s*(?:;|$)/i;
const BASIC_AUTH = /^basic\s/i;
/** The request-listener hooks this path drives; a plugin that needs another one sends requests to Apollo. */
const DRIVEN_HOOKS = new Set(['didResolveOperation', 'didEncounterErrors', 'willSendResponse']);
/** Apollo's status for an error answer whose errors set none (requestPipeline's sendErrorResponse). */
const ERROR_ANSWER_STATUS = 500;
const OK_STATUS = 200;

/**
 * Apollo's settings (`introspection` false adds a rule refusing __schema and __type, as Apollo adds
 * it; graphql-js's specified rules are added before `validationRules`, as Apollo adds them), and the
 * context function Apollo is given.
 */
export interface FastPathOptions extends GraphqlSettings {
  readonly context: (request: FastifyRequest, reply: FastifyReply) => Promise<GatewayContext>;
}

interface Operation {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown> | undefined;
}

export class GraphqlFastPath {
  private readonly documents = new Map<string, DocumentNode>();
  private cachedChars = 0;
  private readonly rules: readonly ValidationRule[];
  /** Turned off for good when a plugin needs a hook this path does not drive. */
  private enabled = true;

  constructor(private readonly options: FastPathOptions) {
    this.rules = [...specifiedRules, ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]), ...options.validationRules];
  }

  /** Wraps Apollo's route handler: eligible requests are answered here, all others by `apollo`. */
  handler<H extends (this: never, request: never, reply: never) => unknown>(apollo: H): H {
    const delegate = apollo as unknown as (this: unknown, request: FastifyRequest, reply: FastifyReply) => unknown;
    const answer = (operation: Operation, request: FastifyRequest, reply: FastifyReply) => this.answer(operation, request, reply);
    const enabled = () => this.enabled;
    return async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
      const operation = enabled() ? eligible(request) : undefined;
      const answered = operation ? await answer(operation, request, reply) : false;
      return answered === false ? delegate.call(this, request, reply) : answered;
    } as unknown as H;
  }

  /** The response body, or false when Apollo must answer (nothing has executed then). */
  private async answer(op: Operation, request: FastifyRequest, reply: FastifyReply): Promise<string | false> {
    const { schema } = this.options;
    const { document, cached } = this.document(op.query);
    const operation = document && getOperationAST(document, op.operationName);
    if (!document || !operation || operation.operation === 'subscription') return false;
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], op.variables ?? {});
    if (coerced.errors) return false;

    const head: HTTPGraphQLHead = { status: undefined, headers: new HeaderMap() };
    let contextValue: GatewayContext;
    try {
      contextValue = await this.options.context(request, reply);
    } catch (error) {
      // As Apollo answers a failed context function (ApolloServer.executeHTTPGraphQLRequest): the
      // error alone, formatted, with its own status or 500; no request hook runs, so the request id
      // is added here, as for Apollo's own early answers.
      const errors = this.formatErrors([asGraphQLError(error, 'Context creation failed: ')], head);
      for (const formatted of errors) (formatted.extensions as Record<string, unknown>).requestId = request.id;
      return this.send(reply, head, { errors }, ERROR_ANSWER_STATUS);
    }
    // Only documents an authenticated caller sent are kept: anyone can send a Basic header.
    if (!cached && contextValue.project) this.remember(op.query, document);
    const operationName = operation.name?.value ?? null;
    const requestContext: Record<string, unknown> = {
      schema,
      request: { query: op.query, operationName: op.operationName, variables: op.variables },
      response: { http: head },
      contextValue,
      metrics: {},
      source: op.query,
      document,
      operation,
      operationName,
      requestIsBatched: false,
    };
    const listeners = await this.listeners(requestContext);
    if (!listeners) {
      this.enabled = false;
      return false;
    }

    const { result, status } = await this.execute(listeners, requestContext, { document, contextValue, operation: op });
    const errors = result.errors?.length ? [...result.errors] : undefined;
    if (errors) {
      requestContext.errors = errors;
      await Promise.all(listeners.map((l) => l.didEncounterErrors?.(requestContext as never)));
    }
    const singleResult = { ...result, errors: errors && this.formatErrors(errors, head) };
    requestContext.response = { http: head, body: { kind: 'single', singleResult } };
    const sending = listeners.filter((l) => l.willSendResponse);
    if (sending.length) await Promise.all(sending.map((l) => l.willSendResponse!(requestContext as never)));

    return this.send(reply, head, { errors: singleResult.errors, data: singleResult.data, extensions: singleResult.extensions }, status);
  }

  /**
   * The request listeners the plugins return from `requestDidStart` (a plugin returning none adds
   * none, so a plugin with nothing to do for this request, e.g. the credentials refusal for good
   * credentials, costs no hook call later), or undefined when one needs a hook this path does not drive.
   */
  private async listeners(requestContext: Record<string, unknown>): Promise<GraphQLRequestListener<GatewayContext>[] | undefined> {
    const started = await Promise.all(this.options.plugins.map((p) => p.requestDidStart?.(requestContext as never)));
    const listeners: GraphQLRequestListener<GatewayContext>[] = [];
    for (const listener of started) {
      if (!listener) continue;
      if (Object.keys(listener).some((hook) => !DRIVEN_HOOKS.has(hook))) return undefined;
      listeners.push(listener);
    }
    return listeners;
  }

  /**
   * The didResolveOperation hooks (the rate limit), then the operation. A hook that throws is
   * answered as Apollo's sendErrorResponse answers it: that error alone, status 500 unless the error
   * sets one, nothing executed.
   */
  private async execute(
    listeners: readonly GraphQLRequestListener<GatewayContext>[],
    requestContext: Record<string, unknown>,
    { document, contextValue, operation }: { document: DocumentNode; contextValue: GatewayContext; operation: Operation },
  ): Promise<{ result: ExecutionResult; status: number }> {
    try {
      const resolved = listeners.filter((l) => l.didResolveOperation);
      if (resolved.length) await Promise.all(resolved.map((l) => l.didResolveOperation!(requestContext as never)));
    } catch (error) {
      return { result: { errors: [asGraphQLError(error, '')] }, status: ERROR_ANSWER_STATUS };
    }
    const { schema } = this.options;
    const result = await execute({ schema, document, contextValue, variableValues: operation.variables, operationName: operation.operationName });
    return { result, status: OK_STATUS };
  }

  /** Status, headers and body as Apollo's Fastify integration writes them (prettyJSONStringify: JSON and a newline). */
  private send(reply: FastifyReply, head: HTTPGraphQLHead, body: object, defaultStatus: number): string {
    if (!head.headers.has('content-type')) head.headers.set('content-type', APPLICATION_JSON);
    if (!head.headers.has('cache-control')) head.headers.set('cache-control', NO_STORE);
    for (const [name, value] of head.headers) void reply.header(name, value);
    void reply.code(head.status ?? defaultStatus);
    return JSON.stringify(body) + '\n';
  }

  /** Parsed and validated, from the cache or now; no document when Apollo must report a parse or validation error. */
  private document(query: string): { document?: DocumentNode; cached: boolean } {
    const hit = this.documents.get(query);
    if (hit) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.documents.delete(query);
      this.documents.set(query, hit);
      return { document: hit, cached: true };
    }
    let document: DocumentNode;
    try {
      document = parse(query, this.options.parseOptions);
    } catch {
      return { cached: false };
    }
    if (validate(this.options.schema, document, this.rules).length) return { cached: false };
    return { document, cached: false };
  }

  /** Caches a validated document, dropping the least recently used past either bound. */
  private remember(query: string, document: DocumentNode): void {
    if (query.length > MAX_CACHED_QUERY_CHARS || this.documents.has(query)) return;
    while (this.documents.size && (this.documents.size >= MAX_CACHED_DOCUMENTS || this.cachedChars + query.length > MAX_CACHED_TOTAL_CHARS)) {
      const oldest = this.documents.keys().next().value!;
      this.documents.delete(oldest);
      this.cachedChars -= oldest.length;
    }
    this.documents.set(query, document);
    this.cachedChars += query.length;
  }

  /** Apollo's error normalisation (errorNormalize.ts), then formatError; a formatError that throws masks the error as Apollo does. */
  private formatErrors(errors: readonly GraphQLError[], head: HTTPGraphQLHead): GraphQLFormattedError[] {
    return errors.map((error) => {
      try {
        const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
        const http = extensions.http as Partial<HTTPGraphQLHead> | undefined;
        if (isPartialHead(http)) {
          if (http.status) head.status = http.status;
          for (const [name, value] of http.headers ?? []) head.headers.set(name, value);
          delete extensions.http;
        }
        return this.options.formatError({ ...error.toJSON(), extensions }, error);
      } catch (formatting) {
        return graphqlError(new GatewayError('INTERNAL_SERVER_ERROR', { cause: formatting }));
      }
    });
  }
}

/** Apollo's ensureGraphQLError: a GraphQLError as it is, anything else wrapped with a prefixed message. */
function asGraphQLError(error: unknown, prefix: string): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (!(error instanceof Error)) return new GraphQLError(`Unexpected error value: ${String(error)}`);
  return new GraphQLError(prefix + error.message, { originalError: error });
}

function isPartialHead(value: unknown): value is Partial<HTTPGraphQLHead> {
  if (!value || typeof value !== 'object') return false;
  const head = value as Record<string, unknown>;
  return (!('status' in head) || typeof head.status === 'number') && (!('headers' in head) || head.headers instanceof Map);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);

/**
 * The operation of a request this path may answer: a POST with a JSON object body holding a query
 * string and nothing Apollo would treat specially (persisted-query or other extensions, a batch),
 * project credentials and no session header (session callers take Apollo's path), and an Accept
 * header that leaves no content negotiation to do.
 */
function eligible(request: FastifyRequest): Operation | undefined {
  const { headers, body } = request;
  if (request.method !== 'POST' || !isRecord(body)) return undefined;
  if (!JSON_CONTENT_TYPE.test(headers['content-type'] ?? '') || !ACCEPTS_JSON.has(headers.accept)) return undefined;
  if (!BASIC_AUTH.test(headers.authorization ?? '') || headers['x-public-token'] !== undefined) return undefined;
  const { query, operationName, variables, extensions } = body;
  if (typeof query !== 'string' || query === '' || extensions != null) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (variables != null && !isRecord(variables)) return undefined;
  return { query, operationName: operationName ?? undefined, variables: variables ?? undefined };
}
