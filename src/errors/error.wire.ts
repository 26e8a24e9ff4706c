// The wire forms of a catalogue error: GraphQL's `{errors: [{message, extensions}]}` and the REST
// facade's Stytch body `{status_code, request_id, error_type, error_message, error_url}`. Both carry
// the request id (also sent as the x-request-id header), so a caller can quote it for any failure.
import type { GraphQLFormattedError } from 'graphql';
import { GatewayError, type ErrorCode } from './error.catalogue';

const REST_ERROR_DOCS = 'https://stytch.com/docs/api/errors';

/** One GraphQL error object: the catalogue message, `extensions` {code, errorType, details..., requestId}. */
function graphqlError(error: GatewayError, requestId: string): GraphQLFormattedError {
  return { message: error.message, extensions: { ...error.extensions, requestId } };
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
    error_url: `${REST_ERROR_DOCS}/${error.status}#${error.errorType}`,
  };
}

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
 * A catalogue error for anything the HTTP layer threw: a GatewayError as it is; a 4xx from Fastify
 * (body too large, media type, schema validation, ...) as its catalogue code; anything else is
 * undefined (the caller logs it and answers INTERNAL_SERVER_ERROR).
 */
export function httpLayerError(error: unknown): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  const { statusCode, code, message } = (error ?? {}) as { statusCode?: number; code?: string; message?: string };
  if (!statusCode || statusCode < 400 || statusCode >= 500) return undefined;
  const catalogued = (code && FASTIFY_CODES[code]) || STATUS_CODES[statusCode];
  // Fastify's own 400 messages say what was wrong ("Body cannot be empty ..."); the others use the catalogue's.
  return catalogued ? new GatewayError(catalogued) : new GatewayError('BAD_REQUEST', { message });
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
