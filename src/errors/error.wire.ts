// The one error policy: every failure, at every stage (the Fastify error and not-found handlers,
// Apollo's formatError and request plugins, the GraphQL fast path, the REST facade), becomes a
// catalogue error here, is logged or not here, and leaves in one of two wire forms built here:
// GraphQL's `{errors: [{message, extensions}]}` and the REST facade's Stytch body `{status_code,
// request_id, error_type, error_message, error_url}`. Both carry the request id (also sent as the
// x-request-id header), so a caller can quote it for any failure. Anything the catalogue does not
// name is masked as INTERNAL_SERVER_ERROR; its cause is kept on the error for the log only (OWASP
// Error Handling Cheat Sheet: a generic message to the client, the details to the log).
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ERROR_CATALOGUE, GATEWAY_OWN_CODES, GatewayError, type ErrorCode } from './error.catalogue';
import { isForeignKeyViolation, retryAfterSeconds, translateDatabaseError } from './database.faults';

const REST_ERROR_DOCS = 'https://stytch.com/docs/api/errors';
/**
 * Where the gateway's own error types are described: the "Errors" table of its reference page, which
 * the npm package ships (a URI reference relative to the package; each row is anchored by its
 * error_type). scripts/docs.mjs writes the table from the catalogue.
 */
const GATEWAY_ERROR_DOCS = 'docs/reference.md';

/** A REST error's `error_url`: Stytch's page for Stytch's error types, the gateway's reference for its own (GATEWAY_OWN_CODES). */
function errorUrl(error: GatewayError): string {
  return GATEWAY_OWN_CODES.has(error.code) ? `${GATEWAY_ERROR_DOCS}#${error.errorType}` : `${REST_ERROR_DOCS}/${error.status}#${error.errorType}`;
}

/** Codes Apollo Server and graphql-js give a client's mistakes: passed through with their messages, never masked. */
const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** Fastify's codes for a request refused before its handler ran, by what the client did wrong. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

/** The catalogue code for an HTTP status Fastify or Node chose (RFC 9110 §15.5). */
const STATUS_CODES: Record<number, ErrorCode> = {
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * A write whose parent row another request deleted meanwhile fails on its foreign key: the client's
 * "not found" (the user, TOTP or session it named is gone), not a fault of the gateway. The
 * referenced table, and the catalogue code that says its row is gone.
 */
const PARENTS: ReadonlyArray<readonly [table: string, code: ErrorCode]> = [
  ['users', 'USER_NOT_FOUND'],
  ['totps', 'TOTP_NOT_FOUND'],
  ['sessions', 'SESSION_NOT_FOUND'],
];

const HTTP_CLIENT_ERROR_MIN = 400;
const HTTP_SERVER_ERROR_MIN = 500;
const SERVICE_UNAVAILABLE = 503;

export interface ErrorPolicyOptions {
  /**
   * What a passed-through graphql-js or Apollo message may say (src/graphql/error-disclosure.ts).
   * Catalogue messages are never rewritten.
   */
  readonly clientMessage?: (message: string) => string;
}

/**
 * The catalogue error for anything thrown or reported at any stage:
 *   - a GatewayError as it is (also when a resolver or a validation rule wrapped it in a GraphQLError);
 *   - a foreign-key violation whose missing parent is known (PostgreSQL names it): that parent's not-found;
 *   - a transient database fault: DATABASE_BUSY or DATABASE_UNAVAILABLE (./database.faults.ts);
 *   - Apollo's and graphql-js's client errors (parse, validation, variables, a bare GraphQLError with
 *     a 4xx status): their code with their message, as `clientMessage` lets it through;
 *   - a 4xx from Fastify or Node (body too large, media type, ...): its catalogue code;
 *   - anything else: INTERNAL_SERVER_ERROR, the original on `cause` for the log.
 */
export function toGatewayError(error: unknown, options: ErrorPolicyOptions = {}): GatewayError {
  const original = unwrapResolverError(error);
  const coded = wrappedGatewayError(original);
  if (coded) return coded;
  const parent = missingParentError(original);
  if (parent) return parent;
  const database = translateDatabaseError(original);
  if (database instanceof GatewayError) return database;
  if (original instanceof GraphQLError) return graphqlClientError(original, options) ?? new GatewayError('INTERNAL_SERVER_ERROR', { cause: original });
  return httpLayerError(original) ?? new GatewayError('INTERNAL_SERVER_ERROR', { cause: original });
}

/**
 * Expected, coded, retryable faults of the gateway's surroundings (the database busy or not
 * answering): nothing is wrong with the gateway, so they are warnings, not errors.
 */
const EXPECTED_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DATABASE_BUSY', 'DATABASE_UNAVAILABLE']);

/** Whether a failure is the gateway's, not the client's: its cause is logged (the client sees only the catalogue's words). */
export function shouldLog(error: GatewayError): boolean {
  return error.status >= HTTP_SERVER_ERROR_MIN;
}

/** The logger calls the policy needs (pino's and Fastify's loggers have them). */
export interface ErrorLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/**
 * Logs the cause of a failure `shouldLog` picks. An expected fault (EXPECTED_FAULTS) is a warning
 * naming its code and the driver's message, without a stack; anything else is an error with the
 * cause's name, message, code and stack. Never the driver error itself: it carries query
 * parameters, and those may hold secrets.
 */
export function logFailure(log: ErrorLog, requestId: string, error: GatewayError): void {
  if (!shouldLog(error)) return;
  const e = (error.cause ?? error) as Error & { code?: string; driverError?: { message?: unknown } };
  if (EXPECTED_FAULTS.has(error.code)) {
    log.warn({ requestId, code: error.code, cause: String(e?.driverError?.message ?? e?.message ?? '') }, 'database fault answered as retryable');
    return;
  }
  log.error({ requestId, err: { type: e?.constructor?.name ?? e?.name, message: e?.message, code: e?.code, stack: e?.stack } }, 'unexpected error');
}

/**
 * The HTTP status and headers of an answer that is this one error: the catalogue's status, and
 * Retry-After when the error says when to retry (429 and 503: RFC 6585 §4, RFC 9110 §10.2.3).
 */
export function httpAnswer(error: GatewayError): { status: number; headers: Record<string, string> } {
  const seconds = retryAfterSeconds(error);
  return { status: error.status, headers: seconds === undefined ? {} : { 'retry-after': String(seconds) } };
}

/** Where in an operation a GraphQL error happened, as graphql-js reports it. */
type ErrorPlace = Pick<GraphQLFormattedError, 'locations' | 'path'>;

/**
 * One GraphQL error object: the catalogue message and `extensions` {code, errorType, details...,
 * requestId} (`requestId` left out when a later stage adds it). Apollo's `http` extension (a status
 * for the response) is not sent.
 */
export function graphqlError(error: GatewayError, requestId?: string, place: ErrorPlace = {}): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  if (requestId !== undefined) extensions.requestId = requestId;
  return {
    message: error.message,
    ...(place.locations && { locations: place.locations }),
    ...(place.path && { path: place.path }),
    extensions,
  };
}

/** A whole GraphQL response body for an error raised before any operation ran. */
export function graphqlErrorBody(error: GatewayError, requestId: string): { errors: GraphQLFormattedError[] } {
  return { errors: [graphqlError(error, requestId)] };
}

/** Stytch's error body (https://stytch.com/docs/api/errors) for the REST facade. */
export function restErrorBody(error: GatewayError, requestId: string) {
  return {
    status_code: error.status,
    request_id: requestId,
    error_type: error.errorType,
    error_message: error.message,
    error_url: errorUrl(error),
    // DUPLICATE_*: the project's user that already holds the value (only ever set for its own project),
    // in Stytch's `error_details`, which the official SDKs keep on their StytchError.
    ...(typeof error.details.existingUserId === 'string' && { error_details: { existing_user_id: error.details.existingUserId } }),
    // FACTOR_TOO_OLD: how old the factor is, beside the limit asked for (step-up, src/sessions/assurance.rules.ts).
    ...(typeof error.details.factorAgeSeconds === 'number' && {
      error_details: { factor_age_seconds: error.details.factorAgeSeconds, max_factor_age_seconds: error.details.maxFactorAgeSeconds },
    }),
  };
}

/**
 * HTTP status of a GraphQL response that failed only because the database could not serve it in
 * time (DATABASE_BUSY, DATABASE_UNAVAILABLE): 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3), so
 * HTTP clients, proxies and SDKs that retry on 503 do so. A response that carries any other error,
 * or data for any root field, keeps its status: part of it was served, and retrying all of it could
 * repeat what succeeded. (Callers leave batches alone for the same reason: they share one status.)
 * Sets 503 and the largest retryAfterSeconds of the errors on `http` when that rule applies.
 */
export function applyRetryAfter(
  result: { readonly errors?: readonly GraphQLFormattedError[]; readonly data?: unknown },
  http: { status?: number; readonly headers: Map<string, string> },
): void {
  if (!result.errors?.length) return;
  let seconds = 0;
  for (const error of result.errors) {
    const code = String(error.extensions?.code);
    if (!(code in ERROR_CATALOGUE) || ERROR_CATALOGUE[code as ErrorCode].status !== SERVICE_UNAVAILABLE) return;
    seconds = Math.max(seconds, Number(error.extensions?.retryAfterSeconds) || 0);
  }
  const data = result.data as Record<string, unknown> | null | undefined;
  if (data && Object.values(data).some((value) => value !== null)) return;
  http.status = SERVICE_UNAVAILABLE;
  http.headers.set('retry-after', String(seconds));
}

/**
 * Adds `extensions.requestId` to every error of a serialised GraphQL response that lacks one (the
 * errors Apollo answers itself, before any request hook can run: a CSRF refusal, a malformed body,
 * an empty batch). Keeps the body byte-for-byte otherwise, including Apollo's trailing newline.
 */
export function withRequestIds(body: string, requestId: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  const responses = Array.isArray(parsed) ? parsed : [parsed];
  let changed = false;
  for (const response of responses) {
    const errors = (response as { errors?: unknown } | null)?.errors;
    if (!Array.isArray(errors)) continue;
    for (const error of errors as Array<{ extensions?: Record<string, unknown> }>) {
      if (!error || typeof error !== 'object' || error.extensions?.requestId !== undefined) continue;
      error.extensions = { ...error.extensions, requestId };
      changed = true;
    }
  }
  return changed ? JSON.stringify(parsed) + (body.endsWith('\n') ? '\n' : '') : body;
}

/**
 * The not-found error for a foreign-key violation whose missing parent is known (PostgreSQL names
 * it), else undefined. Services lock the parent row first, so this is the safety net for a write
 * that does not. The driver error stays on `cause`, for the log only.
 */
export function missingParentError(error: unknown): GatewayError | undefined {
  if (!isForeignKeyViolation(error)) return undefined;
  const parent = PARENTS.find(([table]) => isForeignKeyViolation(error, table));
  return parent && new GatewayError(parent[1], { cause: error });
}

/** A GatewayError, or one a GraphQLError wraps (graphql-js wraps what a validation rule or resolver reports). */
function wrappedGatewayError(error: unknown): GatewayError | undefined {
  for (let e: unknown = error; e instanceof GraphQLError; e = e.originalError) {
    if (e instanceof GatewayError) return e;
  }
  return undefined;
}

/** Apollo's or graphql-js's own client error (a code of theirs, or a bare GraphQLError with a 4xx status), else undefined. */
function graphqlClientError(error: GraphQLError, options: ErrorPolicyOptions): GatewayError | undefined {
  const { code, stacktrace: _stacktrace, http, ...details } = error.extensions as Record<string, unknown>;
  const status = (http as { status?: number } | undefined)?.status;
  const clientStatus = status !== undefined && status >= HTTP_CLIENT_ERROR_MIN && status < HTTP_SERVER_ERROR_MIN;
  if (!CLIENT_ERROR_CODES.has(String(code)) && !clientStatus) return undefined;
  const message = options.clientMessage ? options.clientMessage(error.message) : error.message;
  // Apollo answers some client mistakes with a bare GraphQLError and a 4xx status (e.g. "provided sha
  // does not match query" for persisted queries): BAD_REQUEST, with its message.
  if (!CLIENT_ERROR_CODES.has(String(code))) return new GatewayError('BAD_REQUEST', { message });
  return new GatewayError(code as ErrorCode, { message, details });
}

/**
 * A catalogue error for a 4xx from Fastify or Node (body too large, media type, ...), else
 * undefined. Fastify's own 400 messages say what was wrong ("Body cannot be empty ..."); the
 * others use the catalogue's.
 */
function httpLayerError(error: unknown): GatewayError | undefined {
  const { statusCode, code, message } = (error ?? {}) as { statusCode?: number; code?: string; message?: string };
  if (!statusCode || statusCode < HTTP_CLIENT_ERROR_MIN || statusCode >= HTTP_SERVER_ERROR_MIN) return undefined;
  const catalogued = (code && FASTIFY_CODES[code]) || STATUS_CODES[statusCode];
  return catalogued ? new GatewayError(catalogued) : new GatewayError('BAD_REQUEST', { message });
}
