// Threat: type confusion on the REST facade (`"totp_code": ["123456"]`): every field of every /v1 route takes exactly its documented JSON type, nothing is coerced, anything else is 400 invalid_argument before the handler runs (no attempt spent, nothing written); null is "absent" for optional fields and unknown fields are ignored.
import fc from 'fast-check';
import { User } from '../../src/users/user.entity';
import { describeEachDialect, startGateway, totpCode, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';
import { seedFastCheck } from '../support/fast-check';

seedFastCheck();

type JsonType = 'string' | 'integer' | 'object';
interface Field {
  readonly name: string;
  readonly type: JsonType;
  /** Whether JSON null is accepted (the same as leaving the field out). */
  readonly nullable: boolean;
}

const s = (name: string, nullable = true): Field => ({ name, type: 'string', nullable });
const i = (name: string): Field => ({ name, type: 'integer', nullable: true });
const o = (name: string): Field => ({ name, type: 'object', nullable: true });
const SESSION_FIELDS = [s('session_token'), s('session_jwt'), i('session_duration_minutes'), o('session_custom_claims')];

/** Every body field of every POST route, as the API reference documents them. */
const ROUTES: Record<string, Field[]> = {
  '/v1/users': [s('email'), s('phone_number'), o('name'), s('name.first_name'), s('name.middle_name'), s('name.last_name'), s('external_id'), o('trusted_metadata'), o('untrusted_metadata')],
  '/v1/totps': [s('user_id', false), i('expiration_minutes')],
  '/v1/totps/authenticate': [s('user_id', false), s('totp_code', false), ...SESSION_FIELDS],
  '/v1/totps/recovery_codes': [s('user_id', false)],
  '/v1/totps/recover': [s('user_id', false), s('recovery_code', false), ...SESSION_FIELDS],
  '/v1/sessions/authenticate': SESSION_FIELDS,
  '/v1/sessions/revoke': [s('session_id'), s('session_token'), s('session_jwt')],
};
const CASES = Object.entries(ROUTES).flatMap(([route, fields]) => fields.map((field) => ({ route, field })));

/** Values of the wrong JSON type for a field, the coercible ones first ("60" for an integer, ["x"] for a string). */
const WRONG: Record<JsonType, unknown[]> = {
  string: [['123456'], 123456, true, { value: 'x' }, 0],
  integer: ['60', 60.5, true, [60], { minutes: 60 }, '1e3'],
  object: ['{}', [], [{ a: 1 }], 1, true],
};

const matches = (type: JsonType, value: unknown) =>
  type === 'string' ? typeof value === 'string' : type === 'integer' ? Number.isInteger(value) : value !== null && typeof value === 'object' && !Array.isArray(value);

/** `{a: {b: value}}` for the dotted name `a.b`. */
function bodyWith(name: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = name.split('.');
  return { [head]: rest.length ? bodyWith(rest.join('.'), value) : value };
}

describeEachDialect('REST input types on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let enrolled: Enrollment;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
    enrolled = await gw.enroll({ verify: true });
  });
  afterAll(() => gw?.close());

  async function call(path: string, body: unknown, method = 'POST') {
    const response = await fetch(`${gw.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Record<string, unknown> };
  }

  async function state() {
    const [row] = (await gw.gateway.db.dataSource.query('SELECT COUNT(*) AS n FROM users')) as Array<{ n: number | string }>;
    const victim = await gw.gateway.db.dataSource.getRepository(User).findOneByOrFail({ userId: enrolled.userId });
    return { users: Number(row.n), failedAttempts: victim.failedAttempts, lockedUntil: victim.lockedUntil };
  }

  it.each(CASES)('$route refuses a wrong type for $field.name with 400 invalid_argument naming the field', async ({ route, field }) => {
    const before = await state();
    for (const value of WRONG[field.type]) {
      const answer = await call(route, { user_id: enrolled.userId, ...bodyWith(field.name, value) });
      expect({ value, status: answer.status, type: answer.body.error_type, id: answer.body.request_id }).toEqual({ value, status: 400, type: 'invalid_argument', id: answer.requestId });
      expect(answer.body.error_message).toContain(field.name);
    }
    expect(await state()).toEqual(before);
  });

  it.each(CASES.filter(({ field }) => field.nullable))('$route takes null for the optional $field.name', async ({ route, field }) => {
    const answer = await call(route, bodyWith(field.name, null));
    expect(answer.body.error_type).not.toBe('invalid_argument');
  });

  it.each(CASES.filter(({ field }) => !field.nullable))('$route refuses null for the required $field.name', async ({ route, field }) => {
    const answer = await call(route, { user_id: enrolled.userId, ...bodyWith(field.name, null) });
    expect({ status: answer.status, type: answer.body.error_type }).toEqual({ status: 400, type: 'invalid_argument' });
  });

  it.each(Object.keys(ROUTES))('%s refuses a body that is not a JSON object', async (route) => {
    for (const body of [[], 'text', 42, true]) {
      const answer = await call(route, body);
      expect({ body, status: answer.status, type: answer.body.error_type }).toEqual({ body, status: 400, type: 'invalid_argument' });
    }
  });

  it('the right code sent as ["123456"] costs no attempt and stays usable', async () => {
    const before = await state();
    const code = totpCode(enrolled.secret, 1);
    const refused = await call('/v1/totps/authenticate', { user_id: enrolled.userId, totp_code: [code] });
    expect({ status: refused.status, type: refused.body.error_type }).toEqual({ status: 400, type: 'invalid_argument' });
    expect(await state()).toEqual(before);
    const accepted = await call('/v1/totps/authenticate', { user_id: enrolled.userId, totp_code: code });
    expect({ status: accepted.status, user: accepted.body.user_id }).toEqual({ status: 200, user: enrolled.userId });
  });

  it('unknown fields are ignored, as Stytch ignores them', async () => {
    const answer = await call('/v1/users', { email: `unknown-${Date.now()}@example.com`, favourite_colour: 'teal', attributes: { ip_address: '127.0.0.1' } });
    expect(answer.status).toBe(200);
  });

  it('path and query parameters are strings; a repeated query parameter is refused', async () => {
    const repeated = await call(`/v1/sessions?user_id=${enrolled.userId}&user_id=${enrolled.userId}`, undefined, 'GET');
    expect({ status: repeated.status, type: repeated.body.error_type }).toEqual({ status: 400, type: 'invalid_argument' });
    const single = await call(`/v1/sessions?user_id=${enrolled.userId}`, undefined, 'GET');
    expect(single.status).toBe(200);
  });

  it('any JSON value of another type, for any field of any route, is refused before the handler runs', async () => {
    const before = await state();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CASES),
        fc.jsonValue({ maxDepth: 2 }),
        async ({ route, field }, value) => {
          fc.pre(value !== null && !matches(field.type, value));
          // A prototype key is refused first, as forbidden_json_key (prototype-keys.test.ts): not a type case.
          fc.pre(!/"(__proto__|constructor|prototype)":/.test(JSON.stringify(value)));
          const answer = await call(route, { user_id: enrolled.userId, ...bodyWith(field.name, value) });
          expect({ status: answer.status, type: answer.body.error_type }).toEqual({ status: 400, type: 'invalid_argument' });
        },
      ),
      { numRuns: 60 },
    );
    expect(await state()).toEqual(before);
  });
});
