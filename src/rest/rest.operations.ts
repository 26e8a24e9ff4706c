// What the OpenAPI document says of each /v1 route besides its request schema (rest.schemas.ts): the
// name and section of Stytch's API reference it follows (https://stytch.com/docs/api), its success
// body and the error statuses it can answer. Keyed by `METHOD url` as route() registers it; route()
// refuses a route missing here, so no route is served undocumented.
import type { FastifySchema } from 'fastify';
import { AUTHENTICATED, CREATED_TOTP, DEVICE_AUTHENTICATED, JWK_SET, REMEMBERED_DEVICE, RECOVERY_CODES, SEARCH_PAGE, SESSION_REF, USER_PROPERTIES, USER_REF, errorBody, success } from './rest.responses';

interface Operation {
  readonly operationId: string;
  /** Stytch's endpoint name. */
  readonly summary: string;
  readonly description: string;
  readonly tag: 'Users' | 'TOTP' | 'Sessions' | 'Remembered devices';
  readonly ok: Record<string, unknown>;
  /** Error statuses besides those every authenticated route may answer (400, 401, 429, 500, 503). */
  readonly errors: readonly number[];
  /** Public (no project credentials), like Stytch's JWKS endpoint. */
  readonly public?: true;
}

/** Every route with project credentials may be refused (401), rate limited (429), malformed (400) or hit a fault (500, 503). */
const EVERY_ROUTE = [400, 401, 429, 500, 503];
/** A route that parses a JSON body: too large (413) or not JSON (415). */
const BODY = [413, 415];
const FORBIDDEN = 403;
const NOT_FOUND = 404;
const CONFLICT = 409;

const OPERATIONS: Record<string, Operation> = {
  'POST /users': {
    operationId: 'createUser', summary: 'Create user', tag: 'Users', errors: [CONFLICT, ...BODY],
    description: 'Creates a user of the project. Email, phone number and external id are unique per project (409 names the user holding one).',
    ok: success({ user_id: { type: 'string' }, user: USER_REF, email_id: { type: 'string' }, phone_id: { type: 'string' }, status: { type: 'string' } }, 'The user created.'),
  },
  'GET /users/:user_id': {
    operationId: 'getUser', summary: 'Get user', tag: 'Users', errors: [NOT_FOUND],
    description: "The user, by user id or the user's external id.",
    ok: success(USER_PROPERTIES, "The user's fields at the top level, as Stytch's Get user answers."),
  },
  'PUT /users/:user_id': {
    operationId: 'updateUser', summary: 'Update user', tag: 'Users', errors: [NOT_FOUND, CONFLICT, ...BODY],
    description: 'Changes the name, external id and metadata given; email and phone number are not changed here.',
    ok: success({ user_id: { type: 'string' }, user: USER_REF, emails: USER_PROPERTIES.emails, phone_numbers: USER_PROPERTIES.phone_numbers, crypto_wallets: USER_PROPERTIES.crypto_wallets }, 'The user as updated.'),
  },
  'POST /users/search': {
    operationId: 'searchUsers', summary: 'Search users', tag: 'Users', errors: [...BODY],
    description: "Pages of the project's users matching Stytch's search query (AND/OR of filters), with a cursor and the total.",
    ok: success(SEARCH_PAGE, 'One page of users.'),
  },
  'DELETE /users/:user_id': {
    operationId: 'deleteUser', summary: 'Delete user', tag: 'Users', errors: [NOT_FOUND],
    description: 'Deletes the user with their TOTPs, recovery codes and sessions.',
    ok: success({ user_id: { type: 'string' } }, 'The user deleted.'),
  },
  'POST /users/:user_id/unlock': {
    operationId: 'unlockUser', summary: 'Unlock user', tag: 'Users', errors: [NOT_FOUND],
    description: "Not in Stytch's API: lifts a lockout after too many failed codes and resets the failure count.",
    ok: success({ user_id: { type: 'string' }, user: USER_REF }, 'The user, unlocked.'),
  },
  'POST /totps': {
    operationId: 'createTotp', summary: 'Create TOTP', tag: 'TOTP', errors: [NOT_FOUND, CONFLICT, ...BODY],
    description: 'Creates an unverified TOTP (RFC 6238) for the user; its first accepted code verifies it. Beyond Stytch: a label and the algorithm, digits and period.',
    ok: success(CREATED_TOTP, 'The TOTP created: its secret and recovery codes are shown only here.'),
  },
  'POST /totps/authenticate': {
    operationId: 'authenticateTotp', summary: 'Authenticate TOTP', tag: 'TOTP', errors: [FORBIDDEN, NOT_FOUND, ...BODY],
    description:
      'Judges a TOTP code; with session arguments, starts or extends a session. Each code is accepted once; failures count towards a lockout. Beyond Stytch: remember_device_days (1..90, where the project allows it; else 403) also answers a device_token.',
    ok: success(AUTHENTICATED, 'The code was accepted.'),
  },
  'POST /totps/recovery_codes': {
    operationId: 'getRecoveryCodes', summary: 'Get recovery codes', tag: 'TOTP', errors: [NOT_FOUND, ...BODY],
    description: "The user's TOTPs with their unused recovery codes left (the codes themselves only when the gateway keeps them retrievable).",
    ok: success(RECOVERY_CODES, "The user's recovery codes per TOTP."),
  },
  'POST /totps/recover': {
    operationId: 'recoverTotp', summary: 'Recover', tag: 'TOTP', errors: [FORBIDDEN, NOT_FOUND, ...BODY],
    description: 'Spends one recovery code in place of a TOTP code; with session arguments, starts or extends a session. Beyond Stytch: remember_device_days, as for authenticate.',
    ok: success(AUTHENTICATED, 'The recovery code was accepted.'),
  },
  'DELETE /users/totps/:totp_id': {
    operationId: 'deleteUserTotp', summary: 'Delete user TOTP', tag: 'Users', errors: [NOT_FOUND],
    description: 'Deletes one TOTP with its recovery codes.',
    ok: success({ user_id: { type: 'string' }, user: USER_REF }, 'The user without the TOTP.'),
  },
  'POST /totps/migrate': {
    operationId: 'migrateTotp', summary: 'Migrate TOTP', tag: 'TOTP', errors: [NOT_FOUND, CONFLICT, ...BODY],
    description:
      "Imports an existing TOTP registration (a secret or otpauth URI from another provider), verified by default, as Stytch's B2B Migrate TOTP does for a member; optional label, parameters and recovery codes.",
    ok: success({ totp_id: { type: 'string' }, user_id: { type: 'string' }, user: USER_REF, recovery_codes: { type: 'array', items: { type: 'string' } } }, 'The TOTP imported.'),
  },
  'POST /sessions/authenticate': {
    operationId: 'authenticateSession', summary: 'Authenticate session', tag: 'Sessions', errors: [FORBIDDEN, NOT_FOUND, ...BODY],
    description:
      "Checks a session token or JWT; may extend the session and set its custom claims, and answers a fresh JWT. Beyond Stytch, step-up: require_assurance (AAL1 or AAL2; default AAL2 where the project's MFA policy is REQUIRED) answers 403 second_factor_required below it, and max_factor_age_seconds answers 403 factor_too_old (error_details.factor_age_seconds) when the factor meeting it is older.",
    ok: success({ session: SESSION_REF, session_token: { type: 'string' }, session_jwt: { type: 'string' }, user: USER_REF }, 'The session is live.'),
  },
  'POST /sessions/revoke': {
    operationId: 'revokeSession', summary: 'Revoke session', tag: 'Sessions', errors: [NOT_FOUND, ...BODY],
    description: 'Ends a session named by its id, token or JWT.',
    ok: success({}, 'The session is revoked.'),
  },
  'GET /sessions': {
    operationId: 'getSessions', summary: 'Get sessions', tag: 'Sessions', errors: [NOT_FOUND],
    description: "The user's live sessions.",
    ok: success({ sessions: { type: 'array', items: SESSION_REF } }, "The user's sessions."),
  },
  'POST /remembered_devices/authenticate': {
    operationId: 'authenticateRememberedDevice', summary: 'Authenticate remembered device', tag: 'Remembered devices', errors: [FORBIDDEN, NOT_FOUND, ...BODY],
    description:
      "Not in Stytch's API: accepts a device token (from remember_device_days) in place of a TOTP code and adds a remembered_device factor; a wrong, expired or forgotten token is 401 and counts towards the lockout, as a wrong code does.",
    ok: success(DEVICE_AUTHENTICATED, 'The device token was accepted.'),
  },
  'GET /remembered_devices': {
    operationId: 'getRememberedDevices', summary: 'Get remembered devices', tag: 'Remembered devices', errors: [NOT_FOUND],
    description: "Not in Stytch's API: the user's live remembered devices.",
    ok: success({ remembered_devices: { type: 'array', items: REMEMBERED_DEVICE } }, "The user's remembered devices."),
  },
  'DELETE /remembered_devices': {
    operationId: 'forgetRememberedDevices', summary: 'Forget remembered devices', tag: 'Remembered devices', errors: [NOT_FOUND],
    description: "Not in Stytch's API: forgets every remembered device of the user (user_id: a user id or external id); their tokens no longer authenticate. forgotten is how many, 0 when none.",
    ok: success({ user_id: { type: 'string' }, forgotten: { type: 'integer' } }, "The user's devices are forgotten."),
  },
  'DELETE /remembered_devices/:remembered_device_id': {
    operationId: 'forgetRememberedDevice', summary: 'Forget remembered device', tag: 'Remembered devices', errors: [NOT_FOUND],
    description: "Not in Stytch's API: forgets one remembered device; its token no longer authenticates.",
    ok: success({ user_id: { type: 'string' }, forgotten: { type: 'integer' } }, 'The device is forgotten.'),
  },
  'GET /sessions/jwks/:project_id': {
    operationId: 'getJwks', summary: 'Get JWKS', tag: 'Sessions', errors: [], public: true,
    description: "The public keys session JWTs are signed with (RFC 7517), for verifying them locally. Public; an unknown project has no keys. Errors: 400 for a path that is not UTF-8, 500 and 503.",
    ok: JWK_SET,
  },
};

/** Statuses the public JWKS route may answer besides 200: no credentials and no rate limit apply. */
const PUBLIC_ERRORS = [400, 500, 503];

/**
 * The documentation part of a route's Fastify schema (summary, tags, responses by status; `security:
 * []` for a public route), or undefined when the route has none.
 */
export function operationSchema(key: string): FastifySchema | undefined {
  const operation = OPERATIONS[key];
  if (!operation) return undefined;
  const statuses = [...new Set([...(operation.public ? PUBLIC_ERRORS : EVERY_ROUTE), ...operation.errors])].sort();
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    description: operation.description,
    tags: [operation.tag],
    ...(operation.public && { security: [] }),
    response: { 200: operation.ok, ...Object.fromEntries(statuses.map((status) => [status, errorBody(status)])) },
  } as FastifySchema;
}
