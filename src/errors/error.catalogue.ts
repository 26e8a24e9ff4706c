// The one error catalogue. Every failure a client can see has an UPPER_SNAKE `extensions.code`, the
// Stytch `error_type` as `extensions.errorType`, an HTTP status (used by REST and, for credentials,
// by GraphQL) and a one-sentence public message that says what to do. Internal causes stay on the
// error object (`cause`) and reach the log, never the client.
import { GraphQLError } from 'graphql';
import { CUSTOM_CLAIMS_TOO_LARGE_MESSAGE, INVALID_SESSION_DURATION_MESSAGE, RESERVED_CLAIMS_MESSAGE } from '../constants/session.constants';
import { MAX_FACTOR_AGE_MESSAGE, REMEMBER_DEVICE_DAYS_MESSAGE } from '../constants/assurance.constants';
import {
  INVALID_EXPIRATION_MESSAGE,
  INVALID_TOTP_LABEL_MESSAGE,
  INVALID_TOTP_PARAMETERS_MESSAGE,
  TOTP_LIMIT_REACHED_MESSAGE,
} from '../constants/totp.constants';

export const ERROR_CATALOGUE = {
  UNAUTHORIZED_CREDENTIALS: { status: 401, errorType: 'unauthorized_credentials', message: 'Send valid project credentials as HTTP Basic auth (project id and secret).' },
  BAD_USER_INPUT: { status: 400, errorType: 'bad_request', message: 'The request is malformed; check the arguments against the schema.' },
  INVALID_USER_ID: { status: 400, errorType: 'invalid_user_id', message: "The user id is malformed; give a user id (user-<uuid>) or the user's external id (1 to 128 characters)." },
  INVALID_TOTP_ID: { status: 400, errorType: 'invalid_totp_id', message: 'The TOTP id is malformed; TOTP ids look like totp-<uuid>.' },
  INVALID_SESSION_ID: { status: 400, errorType: 'invalid_session_id', message: 'The session id is malformed; session ids look like session-<uuid>.' },
  USER_NOT_FOUND: { status: 404, errorType: 'user_not_found', message: 'No user with this id exists in this project.' },
  DUPLICATE_EMAIL: { status: 409, errorType: 'duplicate_email', message: 'A user with this email already exists in this project.' },
  DUPLICATE_PHONE_NUMBER: { status: 409, errorType: 'duplicate_phone_number', message: 'A user with this phone number already exists in this project.' },
  DUPLICATE_EXTERNAL_ID: { status: 409, errorType: 'duplicate_external_id', message: 'A user with this external id already exists in this project.' },
  INVALID_EXPIRATION: { status: 400, errorType: 'invalid_expiration', message: INVALID_EXPIRATION_MESSAGE },
  ACTIVE_TOTP_EXISTS: { status: 409, errorType: 'active_totp_exists', message: 'The user already has a verified TOTP; delete it before creating another.' },
  TOTP_NOT_FOUND: { status: 404, errorType: 'totp_not_found', message: 'No TOTP exists for this user or id; create one first.' },
  TOTP_EXPIRED: { status: 400, errorType: 'totp_expired', message: 'This unverified TOTP has expired; create a new one.' },
  INVALID_TOTP_CODE: { status: 400, errorType: 'invalid_totp_code', message: 'A TOTP code is 6 digits 0-9 (8 for a TOTP created with digits 8); spaces, hyphens and dots between them are ignored.' },
  UNABLE_TO_AUTHENTICATE_TOTP: { status: 401, errorType: 'unable_to_authenticate_totp', message: 'The TOTP code is wrong; ask the user for the current code.' },
  TOTP_CODE_ALREADY_AUTHENTICATED: { status: 401, errorType: 'totp_code_already_authenticated', message: 'This TOTP code was already used; wait for the next code.' },
  INVALID_RECOVERY_CODE: { status: 400, errorType: 'invalid_recovery_code', message: 'A recovery code is 12 letters and digits, shown as xxxx-xxxx-xxxx; letter case, spaces and hyphens are ignored.' },
  UNABLE_TO_AUTHENTICATE_RECOVERY_CODE: { status: 401, errorType: 'unable_to_authenticate_recovery_code', message: 'The recovery code is wrong or was already used.' },
  USER_LOCK_LIMIT_REACHED: { status: 429, errorType: 'user_lock_limit_reached', message: 'Too many failed attempts; the user is locked until lockExpiresAt.' },
  TOO_MANY_REQUESTS: { status: 429, errorType: 'too_many_requests', message: 'Too many requests; retry after retryAfterSeconds.' },
  // Import of existing TOTP registrations (src/totp/secret.parse.ts, src/totp/totp-import.service.ts).
  INVALID_SECRET: { status: 400, errorType: 'invalid_secret', message: 'The TOTP secret must be base32 (RFC 4648) of at least 128 bits (26 characters); spaces, hyphens, letter case and = padding are ignored.' },
  INVALID_OTPAUTH_URI: { status: 400, errorType: 'invalid_otpauth_uri', message: 'Give an otpauth://totp/ URI with a base32 secret and, if present, algorithm SHA1, SHA256 or SHA512, digits 6 or 8 and period 30 or 60.' },
  DUPLICATE_TOTP_SECRET: { status: 409, errorType: 'duplicate_totp_secret', message: 'The user already has a TOTP with this secret; it was imported before, nothing was changed.' },
  INVALID_SESSION_DURATION_MINUTES: { status: 400, errorType: 'invalid_session_duration_minutes', message: INVALID_SESSION_DURATION_MESSAGE },
  SECOND_FACTOR_REQUIRED: { status: 403, errorType: 'second_factor_required', message: 'Prove a second factor in this session first (authenticateTotp, recoverTotp or authenticateRememberedDevice), then try again.' },
  // Step-up (authenticateSession requireAssurance / maxFactorAgeSeconds; src/sessions/assurance.rules.ts).
  FACTOR_TOO_OLD: { status: 403, errorType: 'factor_too_old', message: 'The factor this session proved is older than the maximum factor age asked for (its age is in the error details); prove it again, then retry.' },
  INVALID_MAX_FACTOR_AGE_SECONDS: { status: 400, errorType: 'invalid_max_factor_age_seconds', message: MAX_FACTOR_AGE_MESSAGE },
  // Remembered devices (src/remembered-devices).
  INVALID_REMEMBER_DEVICE_DAYS: { status: 400, errorType: 'invalid_remember_device_days', message: REMEMBER_DEVICE_DAYS_MESSAGE },
  REMEMBERED_DEVICES_DISABLED: { status: 403, errorType: 'remembered_devices_disabled', message: "This project does not remember devices; its operator can allow it (project settings --remember-devices on)." },
  INVALID_DEVICE_TOKEN: { status: 400, errorType: 'invalid_device_token', message: 'The device token is malformed; send the deviceToken an authentication with rememberDeviceDays returned, unchanged.' },
  UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE: { status: 401, errorType: 'unable_to_authenticate_remembered_device', message: 'The device token is wrong, expired or forgotten; ask the user for a TOTP code instead.' },
  INVALID_REMEMBERED_DEVICE_ID: { status: 400, errorType: 'invalid_remembered_device_id', message: 'The remembered device id is malformed; they look like device-<uuid>.' },
  REMEMBERED_DEVICE_NOT_FOUND: { status: 404, errorType: 'remembered_device_not_found', message: 'No remembered device with this id exists in this project.' },
  SESSION_NOT_FOUND: { status: 404, errorType: 'session_not_found', message: 'The session does not exist, has expired or was revoked.' },
  TOO_MANY_SESSION_ARGUMENTS: { status: 400, errorType: 'too_many_session_arguments', message: 'Give either sessionToken or sessionJwt, not both.' },
  CUSTOM_CLAIMS_TOO_LARGE: { status: 400, errorType: 'custom_claims_too_large', message: CUSTOM_CLAIMS_TOO_LARGE_MESSAGE },
  RESERVED_CLAIMS_IN_CUSTOM_CLAIMS: { status: 400, errorType: 'reserved_claims_in_custom_claims', message: RESERVED_CLAIMS_MESSAGE },
  BATCH_TOO_LARGE: { status: 400, errorType: 'batch_too_large', message: 'Too many operations in one batched request.' },
  // Per-operation limits (src/graphql/limits.ts): refused before anything executes.
  TOO_MANY_ALIASES: { status: 400, errorType: 'too_many_aliases', message: 'The operation uses too many aliases; split it into several operations.' },
  QUERY_TOO_DEEP: { status: 400, errorType: 'query_too_deep', message: 'The operation nests selections too deeply; select fewer nested fields.' },
  TOO_MANY_TOKENS: { status: 400, errorType: 'too_many_tokens', message: 'The operation document is too long; send a shorter operation.' },
  TOO_MANY_DIRECTIVES: { status: 400, errorType: 'too_many_directives', message: 'The operation uses too many directives; remove some.' },
  QUERY_TOO_COMPLEX: { status: 400, errorType: 'query_too_complex', message: 'The operation is too costly to run; select fewer fields or split it.' },
  TOO_MANY_ROOT_FIELDS: { status: 400, errorType: 'too_many_root_fields', message: 'The operation selects too many root fields; split it into several operations.' },
  // The database could not serve the request in time; nothing about the request was wrong. Retryable
  // (RFC 9110 §15.6.4: 503 with Retry-After), see src/errors/database.faults.ts.
  DATABASE_BUSY: { status: 503, errorType: 'database_busy', message: 'The database is busy with another writer; retry after retryAfterSeconds (nothing was written).' },
  DATABASE_UNAVAILABLE: { status: 503, errorType: 'database_unavailable', message: 'The database did not answer in time; retry after retryAfterSeconds.' },
  // The HTTP edge (src/http/request-bytes.ts, src/http/http.app.ts): refused before any operation or route runs.
  BAD_REQUEST: { status: 400, errorType: 'bad_request', message: 'The request is malformed; send one JSON object (or a batch array) as the body.' },
  ROUTE_NOT_FOUND: { status: 404, errorType: 'route_not_found', message: 'No such route; GraphQL is served at /graphql and the REST facade under /v1.' },
  METHOD_NOT_ALLOWED: { status: 405, errorType: 'method_not_allowed', message: 'This method is not allowed here; send queries by GET or POST and mutations by POST.' },
  REQUEST_TIMEOUT: { status: 408, errorType: 'request_timeout', message: 'The request took too long to arrive; send it again.' },
  PAYLOAD_TOO_LARGE: { status: 413, errorType: 'payload_too_large', message: 'The request body is too large; send a smaller body.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, errorType: 'unsupported_media_type', message: 'Send the body as Content-Type: application/json (UTF-8).' },
  // Apollo Server's own codes for a client's mistakes (passed through with their messages).
  GRAPHQL_PARSE_FAILED: { status: 400, errorType: 'graphql_parse_failed', message: 'The operation is not valid GraphQL syntax.' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, errorType: 'graphql_validation_failed', message: 'The operation does not match the schema.' },
  OPERATION_RESOLUTION_FAILURE: { status: 400, errorType: 'operation_resolution_failure', message: 'The operation to run could not be determined; check operationName.' },
  PERSISTED_QUERY_NOT_FOUND: { status: 200, errorType: 'persisted_query_not_found', message: 'The persisted query is not known; send the full query.' },
  PERSISTED_QUERY_NOT_SUPPORTED: { status: 400, errorType: 'persisted_query_not_supported', message: 'Persisted queries are not supported; send the full query.' },
  // Several TOTPs per user and their RFC 6238 parameters (createTotp, renameTotp).
  INVALID_TOTP_PARAMETERS: { status: 400, errorType: 'invalid_totp_parameters', message: INVALID_TOTP_PARAMETERS_MESSAGE },
  INVALID_TOTP_LABEL: { status: 400, errorType: 'invalid_totp_label', message: INVALID_TOTP_LABEL_MESSAGE },
  TOTP_LIMIT_REACHED: { status: 409, errorType: 'totp_limit_reached', message: TOTP_LIMIT_REACHED_MESSAGE },
  // The operator's console (src/console/) when its built files are missing.
  CONSOLE_NOT_BUILT: { status: 503, errorType: 'console_not_built', message: "The console's files are not built: run npm run build (it needs the devDependencies) and restart, or set CONSOLE_ENABLED=false." },
  // A project's allowed browser origins (addAllowedOrigin, removeAllowedOrigin).
  ORIGIN_NOT_FOUND: { status: 404, errorType: 'origin_not_found', message: "This origin is not among the project's allowed origins; the project query (allowedOrigins) or `totp-gateway project origins list` lists them." },
  // Webhooks (src/webhooks/): endpoints and deliveries of the calling project.
  WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404, errorType: 'webhook_endpoint_not_found', message: 'No webhook endpoint with this id exists in this project.' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, errorType: 'webhook_delivery_not_found', message: 'No webhook delivery with this id exists in this project.' },
  INVALID_WEBHOOK_URL: { status: 400, errorType: 'invalid_webhook_url', message: 'Give an absolute https:// URL without credentials (http:// only to localhost or 127.0.0.1 outside production).' },
  WEBHOOK_ENDPOINT_LIMIT_REACHED: { status: 409, errorType: 'webhook_endpoint_limit_reached', message: 'This project has as many webhook endpoints as it may (20); delete one (deleteWebhookEndpoint) or subscribe an existing one to more event types.' },
  INVALID_WEBHOOK_EVENT_TYPE: { status: 400, errorType: 'invalid_webhook_event_type', message: 'Give event types from the catalogue (e.g. user.created, authentication.failed), or none for all of them.' },
  INTERNAL_SERVER_ERROR: { status: 500, errorType: 'internal_server_error', message: 'Something went wrong on our side; retry, and report the requestId if it persists.' },
} as const satisfies Record<string, { status: number; errorType: string; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * The more specific Stytch `error_type`s a code may carry instead of its own (GatewayErrorOptions
 * `errorType`), so a client can tell which field or byte was wrong. A flat list, as the codes above:
 * no error type reaches a client unless it is written here.
 */
export const ERROR_SUBTYPES = {
  BAD_USER_INPUT: [
    // REST: a field of the wrong JSON type (src/rest/rest.schemas.ts).
    'invalid_argument',
    // Users: identifiers without a normal form, oversized profile fields, neither identifier given.
    'invalid_email',
    'invalid_phone_number',
    'invalid_name',
    'invalid_external_id',
    'invalid_metadata',
    'missing_email_or_phone_number',
    // Projects: a name with control characters or out of its length bounds.
    'invalid_project_name',
    // Projects: an allowed origin that is not scheme://host[:port], a setting out of its rule.
    'invalid_origin',
    'invalid_project_setting',
    // Sessions: which session arguments a caller may or must give.
    'session_argument_not_allowed',
    'session_argument_required',
    'custom_claims_without_session',
    // Audit: paging arguments.
    'invalid_page_size',
    'invalid_cursor',
    'invalid_stats_window',
    // Users search (users query, POST /v1/users/search): the query's shape, a filter's name or value.
    'invalid_search_query',
    'invalid_filter_name',
    'invalid_filter_value',
    // Import of TOTPs: exactly one of secret and otpauthUri.
    'secret_or_otpauth_uri_required',
    // Any input: a key that could reach an object's prototype (src/http/request-bytes.ts).
    'forbidden_json_key',
  ],
  // The HTTP edge (src/http/request-bytes.ts): bytes that are not UTF-8 JSON.
  BAD_REQUEST: ['invalid_utf8', 'invalid_json', 'invalid_unicode'],
  // A body in a content coding the gateway does not decode (RFC 9110 §8.4.1).
  UNSUPPORTED_MEDIA_TYPE: ['unsupported_content_encoding'],
} as const satisfies Partial<Record<ErrorCode, readonly string[]>>;

/**
 * The codes of the gateway's own features, which Stytch's API does not have (step-up, remembered
 * devices, several TOTPs and their parameters, imports, allowed origins, webhooks, the console, the
 * database's and GraphQL's limits): the REST facade's `error_url` for them points to the gateway's
 * own reference (src/errors/error.wire.ts), not to a Stytch page that does not exist. Every other
 * code is Stytch's own error type.
 */
export const GATEWAY_OWN_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SECOND_FACTOR_REQUIRED',
  'FACTOR_TOO_OLD',
  'INVALID_MAX_FACTOR_AGE_SECONDS',
  'INVALID_REMEMBER_DEVICE_DAYS',
  'REMEMBERED_DEVICES_DISABLED',
  'INVALID_DEVICE_TOKEN',
  'UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE',
  'INVALID_REMEMBERED_DEVICE_ID',
  'REMEMBERED_DEVICE_NOT_FOUND',
  'INVALID_SECRET',
  'INVALID_OTPAUTH_URI',
  'DUPLICATE_TOTP_SECRET',
  'INVALID_TOTP_PARAMETERS',
  'INVALID_TOTP_LABEL',
  'TOTP_LIMIT_REACHED',
  'ORIGIN_NOT_FOUND',
  'WEBHOOK_ENDPOINT_NOT_FOUND',
  'WEBHOOK_DELIVERY_NOT_FOUND',
  'INVALID_WEBHOOK_URL',
  'INVALID_WEBHOOK_EVENT_TYPE',
  'CONSOLE_NOT_BUILT',
  'DATABASE_BUSY',
  'DATABASE_UNAVAILABLE',
  'BATCH_TOO_LARGE',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_DEEP',
  'TOO_MANY_TOKENS',
  'TOO_MANY_DIRECTIVES',
  'QUERY_TOO_COMPLEX',
  'TOO_MANY_ROOT_FIELDS',
]);

/** The sub-types `code` may carry (never, for a code without any). */
export type ErrorSubtype<C extends ErrorCode> = C extends keyof typeof ERROR_SUBTYPES ? (typeof ERROR_SUBTYPES)[C][number] : never;

export interface GatewayErrorOptions<C extends ErrorCode = ErrorCode> {
  /** Extra public fields (e.g. `lockExpiresAt`, `retryAfterSeconds`). Never secrets. */
  readonly details?: Record<string, unknown>;
  /** Internal cause, for the log only. */
  readonly cause?: unknown;
  /** Overrides the catalogue message (public; keep it free of secrets). */
  readonly message?: string;
  /** A more specific Stytch error_type than the catalogue's, from ERROR_SUBTYPES (e.g. invalid_email under BAD_USER_INPUT). */
  readonly errorType?: ErrorSubtype<C>;
}

/** A client-facing failure with a literal code from the catalogue. */
export class GatewayError<C extends ErrorCode = ErrorCode> extends GraphQLError {
  readonly code: C;
  readonly errorType: string;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: C, options: GatewayErrorOptions<C> = {}) {
    const entry = ERROR_CATALOGUE[code];
    const errorType: string = options.errorType ?? entry.errorType;
    super(options.message ?? entry.message, {
      extensions: { code, errorType, ...options.details },
    });
    this.name = 'GatewayError';
    this.code = code;
    this.errorType = errorType;
    this.status = entry.status;
    this.details = options.details ?? {};
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}


/** Makes a typed subclass for one catalogue code, so features can `throw new UserNotFoundError()`. */
export function defineError<C extends ErrorCode>(code: C) {
  return class extends GatewayError<C> {
    constructor(options?: GatewayErrorOptions<C>) {
      super(code, options);
    }
  };
}

export const UnauthorizedCredentialsError = defineError('UNAUTHORIZED_CREDENTIALS');
export const InternalServerError = defineError('INTERNAL_SERVER_ERROR');
export const BatchTooLargeError = defineError('BATCH_TOO_LARGE');
export const TooManyRequestsError = defineError('TOO_MANY_REQUESTS');
