// REST callers read failures in their own words: every message and `field` of a /v1 error names the snake_case field the caller sent (session_duration_minutes), never the GraphQL input's camelCase spelling (sessionDurationMinutes), whichever layer (input validation, NUL check, service rule) refused it.
import { REST_SCHEMAS } from '../../src/rest/rest.schemas';
import { describeEachDialect, startGateway, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

interface SchemaNode {
  type?: unknown;
  properties?: Record<string, SchemaNode>;
}

/** Every body field of a route schema as a dotted snake_case path, with whether it takes a string. */
function fields(node: SchemaNode | undefined, prefix = ''): Array<{ path: string; string: boolean }> {
  return Object.entries(node?.properties ?? {}).flatMap(([name, child]) => [
    { path: prefix + name, string: [child.type].flat().includes('string') },
    ...fields(child, `${prefix}${name}.`),
  ]);
}

const POST_ROUTES = Object.entries(REST_SCHEMAS)
  .filter(([key]) => key.startsWith('POST ') && !key.includes(':'))
  .map(([key, schema]) => ({ route: `/v1${key.slice('POST '.length)}`, fields: fields(schema.body as SchemaNode) }));

/** The GraphQL spellings REST callers must never read: every REST field whose camelCase differs. */
const GRAPHQL_SPELLINGS = [...new Set(POST_ROUTES.flatMap((r) => r.fields.flatMap((f) => f.path.split('.'))))].map(camel).filter((name) => name !== name.toLowerCase());
const GRAPHQL_SPELLING = new RegExp(`\\b(${GRAPHQL_SPELLINGS.join('|')})\\b`);

const NUL_CASES = POST_ROUTES.flatMap(({ route, fields: all }) => all.filter((f) => f.string).map(({ path }) => ({ route, path })));

/** `{a: {b: value}}` for the dotted name `a.b`. */
function bodyWith(name: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = name.split('.');
  return { [head]: rest.length ? bodyWith(rest.join('.'), value) : value };
}

/** A JSON object of about `bytes` bytes. */
const bigObject = (bytes: number) => ({ padding: 'x'.repeat(bytes) });

describeEachDialect('REST error messages name REST fields on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let enrolled: Enrollment;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
    enrolled = await gw.enroll({ verify: true });
  });
  afterAll(() => gw?.close());

  async function call(path: string, body: Record<string, unknown>) {
    const response = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error_type?: string; error_message?: string } };
  }

  it('knows the GraphQL spellings it must not use', () => {
    expect(GRAPHQL_SPELLINGS).toEqual(expect.arrayContaining(['sessionDurationMinutes', 'externalId', 'trustedMetadata', 'expirationMinutes', 'sessionCustomClaims', 'firstName']));
  });

  it.each(NUL_CASES)('$route: NUL in $path is refused naming $path', async ({ route, path }) => {
    const answer = await call(route, { user_id: enrolled.userId, ...bodyWith(path, 'a\u0000') });
    expect(answer.status).toBe(400);
    expect(answer.body.error_message).not.toMatch(GRAPHQL_SPELLING);
    if (answer.body.error_message?.includes('NUL')) expect(answer.body.error_message).toBe(`${path}: must not contain NUL characters.`);
  });

  const RULE_CASES: Array<{ route: string; body: () => Record<string, unknown>; names: string[]; type: string }> = [
    { route: '/v1/sessions/authenticate', body: () => ({ session_duration_minutes: 1 }), names: ['session_duration_minutes'], type: 'invalid_session_duration_minutes' },
    { route: '/v1/totps/authenticate', body: () => ({ user_id: enrolled.userId, totp_code: '000000', session_duration_minutes: 600_000 }), names: ['session_duration_minutes'], type: 'invalid_session_duration_minutes' },
    { route: '/v1/totps', body: () => ({ user_id: enrolled.userId, expiration_minutes: -1 }), names: ['expiration_minutes'], type: 'invalid_expiration' },
    { route: '/v1/users', body: () => ({ email: 'big@example.com', trusted_metadata: bigObject(5000) }), names: ['trusted_metadata'], type: 'invalid_metadata' },
    { route: '/v1/users', body: () => ({ email: 'big@example.com', untrusted_metadata: bigObject(5000) }), names: ['untrusted_metadata'], type: 'invalid_metadata' },
    { route: '/v1/totps/recover', body: () => ({ user_id: enrolled.userId, recovery_code: 'aaaa-bbbb-cccc', session_custom_claims: { iss: 'me' } }), names: ['session_custom_claims'], type: 'reserved_claims_in_custom_claims' },
    { route: '/v1/totps/authenticate', body: () => ({ user_id: enrolled.userId, totp_code: '000000', session_custom_claims: bigObject(5000) }), names: ['session_custom_claims'], type: 'custom_claims_too_large' },
    { route: '/v1/sessions/authenticate', body: () => ({ session_token: 'a', session_jwt: 'b' }), names: ['session_token', 'session_jwt'], type: 'too_many_session_arguments' },
  ];

  it.each(RULE_CASES)('$route: $type names $names as sent', async ({ route, body, names, type }) => {
    const answer = await call(route, body());
    expect({ status: answer.status, type: answer.body.error_type }).toEqual({ status: 400, type });
    expect(answer.body.error_message).not.toMatch(GRAPHQL_SPELLING);
    for (const name of names) expect(answer.body.error_message).toContain(name);
  });
});
