// JSON Schemas (2020-12, as OpenAPI 3.1 reads them) of what the /v1 routes answer: Stytch's success
// body `{status_code, request_id, ...}` with each route's fields, and its error body. They mirror
// rest.views.ts field for field and are closed (additionalProperties: false) wherever the gateway
// builds the object, so test/rest/openapi.test.ts fails when a view and its schema drift apart; the
// caller's own JSON (metadata, custom claims) and JWKs stay open. These schemas document and test the
// answers; they never serialise them (see the serializer in rest.openapi.ts).
import { TOTP_ALGORITHMS } from '../constants/totp.constants';

type Schema = Record<string, unknown>;

const string = { type: 'string' } as const;
const boolean = { type: 'boolean' } as const;
const integer = { type: 'integer' } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
const optionalTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;
/** The caller's own JSON object (metadata, custom claims), as it was stored. */
const jsonObject = { type: 'object' } as const;
/** A Stytch field the gateway keeps for the SDKs' types but never fills (no such factor here). */
const alwaysEmpty = { type: 'array', maxItems: 0, description: 'Always empty: the gateway has no such factor (kept for Stytch SDK compatibility).' } as const;

/** An object with exactly these properties, all present. */
function closed(properties: Record<string, object>, description?: string): Schema {
  return { type: 'object', additionalProperties: false, properties, required: Object.keys(properties), ...(description && { description }) };
}

const arrayOf = (items: object) => ({ type: 'array', items }) as const;

/** The id by which success and error schemas refer to the shared user and session shapes. */
export const USER_REF = { $ref: 'User#' } as const;
export const SESSION_REF = { $ref: 'Session#' } as const;

/** userView (rest.views.ts): Stytch's user object. */
export const USER_PROPERTIES = {
  user_id: string,
  emails: arrayOf(closed({ email_id: string, email: string, verified: boolean })),
  phone_numbers: arrayOf(closed({ phone_id: string, phone_number: string, verified: boolean })),
  name: closed({ first_name: string, middle_name: string, last_name: string }),
  status: string,
  external_id: { type: 'string', description: 'Empty when the user has none.' },
  trusted_metadata: jsonObject,
  untrusted_metadata: jsonObject,
  totps: arrayOf(closed({ totp_id: string, verified: boolean })),
  providers: alwaysEmpty,
  webauthn_registrations: alwaysEmpty,
  crypto_wallets: alwaysEmpty,
  biometric_registrations: alwaysEmpty,
  roles: alwaysEmpty,
  password: { type: 'null' },
  is_locked: { type: 'boolean', description: 'True while a lock is in force (locked_until null then means: until POST /users/{user_id}/unlock).' },
  lock_expires_at: { ...optionalTimestamp, description: 'The same as locked_until.' },
  locked_until: { ...optionalTimestamp, description: 'When the lock in force ends; null when not locked or locked until unlocked.' },
  consecutive_failures: { type: 'integer', description: 'Consecutive failed TOTP or recovery-code attempts.' },
  created_at: timestamp,
} as const;

/** stytchFactor (src/sessions/session-jwt.signer.ts): one factor a session proved. */
const AUTHENTICATION_FACTOR = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { type: 'string', description: '"totp", "recovery_codes", "remembered_device" or "external".' },
    delivery_method: { type: 'string', description: '"authenticator_app", "recovery_code", "remembered_device" or "backend".' },
    last_authenticated_at: timestamp,
    authenticator_app_factor: closed({ totp_id: string }),
    recovery_code_factor: closed({ totp_recovery_code_id: { type: ['string', 'null'] } }),
    remembered_device_factor: closed({ remembered_device_id: { type: ['string', 'null'] } }),
  },
  required: ['type', 'delivery_method', 'last_authenticated_at'],
} as const;

/** The shared shapes, registered with their `$id` on the /v1 scope (OpenAPI components). */
export const REST_SHARED_SCHEMAS: readonly Schema[] = [
  { $id: 'User', ...closed(USER_PROPERTIES, "Stytch's user object.") },
  {
    $id: 'Session',
    ...closed(
      {
        session_id: string,
        user_id: string,
        started_at: timestamp,
        last_accessed_at: timestamp,
        expires_at: timestamp,
        attributes: closed({ ip_address: string, user_agent: string }),
        authentication_factors: arrayOf(AUTHENTICATION_FACTOR),
        custom_claims: jsonObject,
        roles: alwaysEmpty,
        assurance_level: { enum: ['AAL1', 'AAL2'], description: 'Beyond Stytch: AAL2 once a second factor is proven in the session (NIST SP 800-63B), else AAL1; the JWT carries it as acr.' },
      },
      "Stytch's session object.",
    ),
  },
];

/** The success body: `status_code` 200, `request_id` and the route's own fields (restErrorBody's counterpart in route()). */
export function success(fields: Record<string, object>, description: string): Schema {
  return closed({ status_code: { const: 200 }, request_id: string, ...fields }, description);
}

/** authenticateView (rest.views.ts): a judged TOTP or recovery code, with the session when one was asked for. */
export const AUTHENTICATED = {
  user_id: string,
  totp_id: string,
  user: USER_REF,
  session: { anyOf: [SESSION_REF, { type: 'null' }], description: 'Null unless session arguments were given.' },
  session_token: { type: 'string', description: 'Empty unless a session was asked for.' },
  session_jwt: { type: 'string', description: 'Empty unless a session was asked for.' },
  device_token: { type: ['string', 'null'], description: 'Beyond Stytch: with remember_device_days, the device token (shown once); else null.' },
  remembered_device_id: { type: ['string', 'null'], description: 'Beyond Stytch: with remember_device_days, the remembered device; else null.' },
} as const;

/** rememberedDeviceView (rest.views.ts): one remembered device. */
export const REMEMBERED_DEVICE = closed({
  remembered_device_id: string,
  user_id: string,
  user_agent: { type: ['string', 'null'], description: 'The User-Agent of the request that remembered it, when sent.' },
  created_at: timestamp,
  last_used_at: optionalTimestamp,
  expires_at: timestamp,
});

/** What POST /remembered_devices/authenticate answers: authenticateView without the TOTP fields. */
export const DEVICE_AUTHENTICATED = {
  user_id: string,
  remembered_device_id: string,
  user: USER_REF,
  session: AUTHENTICATED.session,
  session_token: AUTHENTICATED.session_token,
  session_jwt: AUTHENTICATED.session_jwt,
} as const;

/** What POST /totps answers besides Stytch's fields: the TOTP's label and RFC 6238 parameters. */
export const CREATED_TOTP = {
  totp_id: string,
  secret: { type: 'string', description: 'Base32 secret (RFC 4648), shown once.' },
  qr_code: { type: 'string', description: 'data:image/png;base64 QR code of the otpauth URI.' },
  recovery_codes: { ...arrayOf(string), description: 'Ten single-use codes, xxxx-xxxx-xxxx, shown once.' },
  user_id: string,
  user: USER_REF,
  label: string,
  algorithm: { enum: [...TOTP_ALGORITHMS] },
  digits: integer,
  period: { type: 'integer', description: 'Seconds a code lasts (RFC 6238 §4.1).' },
  compatibility: { type: ['string', 'null'], description: 'Null for SHA1, 6 digits, 30 s; otherwise which widely used apps ignore the chosen parameters.' },
} as const;

export const RECOVERY_CODES = {
  user_id: string,
  totps: arrayOf(closed({ totp_id: string, verified: boolean, recovery_codes: arrayOf(string), remaining: integer })),
} as const;

/** The search page: results as GET /users/{user_id} shows each user. */
export const SEARCH_PAGE = {
  results: arrayOf(USER_REF),
  results_metadata: closed({ total: integer, next_cursor: { type: ['string', 'null'], description: 'Null on the last page.' } }),
} as const;

/** An RFC 7517 JSON Web Key Set: the public keys session JWTs are signed with. */
export const JWK_SET = closed({ keys: arrayOf({ type: 'object', properties: { kty: string, kid: string, alg: string, use: string }, required: ['kty', 'kid'] }) }, 'RFC 7517 JWK Set (no status_code: a bare key set).');

/** What each error status means on the facade, for the OpenAPI response descriptions. */
const ERROR_MEANINGS: Record<number, string> = {
  400: 'The request is malformed: a field of the wrong JSON type (invalid_argument, naming the field) or a value the rules refuse (error_type says which).',
  401: 'No valid project credentials (unauthorized_credentials); on authenticate and recover also a wrong code or device token.',
  403: 'The session misses the assurance asked for (second_factor_required, factor_too_old with error_details.factor_age_seconds) or the project does not remember devices (remembered_devices_disabled).',
  404: 'The user, TOTP, session or remembered device named does not exist in this project.',
  409: 'The value is already taken or the user has no room for it (duplicate_*, with error_details.existing_user_id; active_totp_exists; totp_limit_reached).',
  413: 'The body is larger than the gateway accepts.',
  415: 'The body is not sent as application/json.',
  429: 'Too many requests for the project (too_many_requests) or the user is locked (user_lock_limit_reached); see Retry-After.',
  500: 'An unexpected fault; quote request_id when reporting it.',
  503: 'The database is busy or did not answer (database_busy, database_unavailable); retry after Retry-After seconds.',
};

/** Statuses that carry Retry-After (RFC 6585 §4, RFC 9110 §10.2.3). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** restErrorBody (src/errors/error.wire.ts): Stytch's error body (https://stytch.com/docs/api/errors) for `status`. */
export function errorBody(status: number): Schema {
  const body = closed({ status_code: { const: status }, request_id: string, error_type: string, error_message: string, error_url: string });
  return {
    ...body,
    description: ERROR_MEANINGS[status] ?? 'An error.',
    properties: { ...(body.properties as object), error_details: {
        anyOf: [
          closed({ existing_user_id: string }, 'The user already holding the value (duplicate_* only).'),
          closed({ factor_age_seconds: integer, max_factor_age_seconds: integer }, "The factor's age and the limit asked for (factor_too_old only)."),
        ],
      },
    },
    ...(RETRY_AFTER_STATUSES.has(status) && { headers: { 'retry-after': { type: 'integer', description: 'Seconds to wait before retrying.' } } }),
  };
}
