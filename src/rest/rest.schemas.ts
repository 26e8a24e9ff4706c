// JSON Schemas (draft-07, as Fastify's Ajv reads them) of the /v1 routes' bodies, path parameters and
// query strings: every field takes exactly its documented JSON type, nothing is coerced (see the Ajv
// options in src/http/http.app.ts), and a mismatch is refused before the handler runs, so it costs no
// attempt and writes nothing. Rules beyond the type (formats, ranges, lengths) stay with the services
// and class-validator, shared with GraphQL. The same schemas can describe the facade in OpenAPI.
//
// Policy, as Stytch's API behaves: an optional field may be `null` (the same as leaving it out);
// unknown fields are ignored (a newer SDK may send fields this gateway does not know); a request
// without a body is read as `{}`.
import type { FastifySchema } from 'fastify';
import type { FastifySchemaValidationError } from 'fastify/types/schema';
import { GatewayError } from '../errors/error.catalogue';

const string = { type: 'string' } as const;
const optionalString = { type: ['string', 'null'] } as const;
const optionalInteger = { type: ['integer', 'null'] } as const;
/** JSON objects (metadata, custom claims); their contents are checked by the services (size, keys). */
const optionalObject = { type: ['object', 'null'] } as const;

/** A JSON object body with these properties; absent (no body) reads as null and is allowed. */
const body = (properties: Record<string, object>) => ({ type: ['object', 'null'], properties }) as const;

const sessionArguments = {
  session_token: optionalString,
  session_jwt: optionalString,
  session_duration_minutes: optionalInteger,
  session_custom_claims: optionalObject,
};

const userIdParams = { type: 'object', properties: { user_id: string }, required: ['user_id'] } as const;

/** Each route's schema, keyed by `METHOD url` as route() (rest.route.ts) registers it. */
export const REST_SCHEMAS: Record<string, FastifySchema> = {
  'POST /users': {
    body: body({
      email: optionalString,
      phone_number: optionalString,
      name: { type: ['object', 'null'], properties: { first_name: optionalString, middle_name: optionalString, last_name: optionalString } },
      external_id: optionalString,
      trusted_metadata: optionalObject,
      untrusted_metadata: optionalObject,
    }),
  },
  'GET /users/:user_id': { params: userIdParams },
  // Stytch's Update User: email and phone number are not changed here (nor by Stytch's endpoint).
  'PUT /users/:user_id': {
    params: userIdParams,
    body: body({
      name: { type: ['object', 'null'], properties: { first_name: optionalString, middle_name: optionalString, last_name: optionalString } },
      external_id: optionalString,
      trusted_metadata: optionalObject,
      untrusted_metadata: optionalObject,
    }),
  },
  // Stytch's Search Users: operand values are checked per filter by src/users/user-search.query.ts.
  'POST /users/search': {
    body: body({
      cursor: optionalString,
      limit: optionalInteger,
      query: {
        type: ['object', 'null'],
        properties: {
          operator: string,
          operands: { type: ['array', 'null'], items: { type: 'object', properties: { filter_name: string }, required: ['filter_name'] } },
        },
        required: ['operator'],
      },
    }),
  },
  'DELETE /users/:user_id': { params: userIdParams },
  'POST /users/:user_id/unlock': { params: userIdParams },
  // Beyond Stytch: an optional label and RFC 6238 parameters per TOTP, and the TOTP to judge a code against.
  'POST /totps': {
    body: body({ user_id: string, expiration_minutes: optionalInteger, label: optionalString, algorithm: optionalString, digits: optionalInteger, period: optionalInteger }),
  },
  // Beyond Stytch: remember_device_days (a remembered device, where the project allows it).
  'POST /totps/authenticate': { body: body({ user_id: string, totp_code: string, totp_id: optionalString, remember_device_days: optionalInteger, ...sessionArguments }) },
  'POST /totps/recovery_codes': { body: body({ user_id: string }) },
  'POST /totps/recover': { body: body({ user_id: string, recovery_code: string, remember_device_days: optionalInteger, ...sessionArguments }) },
  'DELETE /users/totps/:totp_id': { params: { type: 'object', properties: { totp_id: string }, required: ['totp_id'] } },
  'POST /totps/migrate': {
    body: body({
      user_id: string,
      secret: optionalString,
      otpauth_uri: optionalString,
      label: optionalString,
      algorithm: optionalString,
      digits: optionalInteger,
      period: optionalInteger,
      recovery_codes: { type: ['array', 'null'], items: string },
      verified: { type: ['boolean', 'null'] },
    }),
  },
  // Beyond Stytch: step-up (the session's assurance level and its factor's age).
  'POST /sessions/authenticate': { body: body({ ...sessionArguments, require_assurance: { enum: ['AAL1', 'AAL2', null] }, max_factor_age_seconds: optionalInteger }) },
  'POST /sessions/revoke': { body: body({ session_id: optionalString, session_token: optionalString, session_jwt: optionalString }) },
  'GET /sessions': { querystring: { type: 'object', properties: { user_id: string } } },
  // Beyond Stytch: remembered devices.
  'POST /remembered_devices/authenticate': { body: body({ user_id: string, device_token: string, ...sessionArguments }) },
  'GET /remembered_devices': { querystring: { type: 'object', properties: { user_id: string } } },
  'DELETE /remembered_devices': { querystring: { type: 'object', properties: { user_id: string } } },
  'DELETE /remembered_devices/:remembered_device_id': { params: { type: 'object', properties: { remembered_device_id: string }, required: ['remembered_device_id'] } },
  // Public (no credentials), like Stytch's; registered apart from route() in sessions.routes.ts.
  'GET /sessions/jwks/:project_id': { params: { type: 'object', properties: { project_id: string }, required: ['project_id'] } },
};

/** JSON Schema type names as the API reference spells them. */
const TYPE_NAMES: Record<string, string> = { string: 'a string', integer: 'an integer', object: 'an object', null: 'null', boolean: 'a boolean', number: 'a number', array: 'an array' };

/**
 * Fastify's validation failure as the catalogue's BAD_USER_INPUT with Stytch's `invalid_argument`
 * type, naming the field (`name.first_name`) and the type it takes. Only the caller's own field names
 * and the documented types appear in the message.
 */
export function invalidArgument(errors: readonly FastifySchemaValidationError[], part: string): GatewayError {
  const [first] = errors;
  const pointer = first?.instancePath ?? '';
  const field = pointer ? pointer.slice(1).split('/').map(unescapePointer).join('.') : part;
  const expected = first?.keyword === 'type' ? [(first.params as { type?: string | string[] }).type ?? []].flat().map((t) => TYPE_NAMES[t] ?? t) : [];
  const message = expected.length ? `${field} must be ${expected.join(' or ')}.` : `${field} is not valid: ${first?.message ?? 'check it against the API reference'}.`;
  return new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_argument', message, details: { field } });
}

/** RFC 6901 §4: `~1` is `/`, `~0` is `~`. */
function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
