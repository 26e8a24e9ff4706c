// Threat: error messages rebuild a hidden schema: no message carries a "Did you mean ...?" hint (enum values, fields, arguments, types, input fields), and in production (introspection off) no message names a schema element the caller did not send, on Apollo's path, the fast path and GET.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType } from 'graphql';
import { startGateway, type TestGateway } from '../support/gateway';

/** The schema's own names, read from the committed SDL (root type names and built-in scalars are public anyway), and its type names alone. */
function ownNames(): { names: Set<string>; types: Set<string> } {
  const schema = buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));
  const names = new Set<string>();
  const types = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type) || ['Query', 'Mutation'].includes(type.name)) continue;
    names.add(type.name);
    types.add(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        names.add(field.name);
        for (const arg of 'args' in field ? field.args : []) names.add(arg.name);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) names.add(value.name);
  }
  return { names, types };
}

interface Mistake {
  readonly name: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}

/** Mistakes whose graphql-js messages would name, or suggest, schema elements the caller never wrote. */
const MISTAKES: Mistake[] = [
  { name: 'a mistyped enum value', query: '{ user(userId: "u") @auth(requires: [SECRT]) { status } }' },
  { name: 'a mistyped enum value in a list', query: '{ user(userId: "u") @auth(requires: [SESION, SECRETS]) { status } }' },
  { name: 'a mistyped field', query: '{ user(userId: "u") { userI } }' },
  { name: 'a mistyped nested field', query: '{ user(userId: "u") { name { frstName } } }' },
  { name: 'a mistyped root field', query: '{ usr(userId: "u") { status } }' },
  { name: 'a mistyped argument', query: '{ user(userID: "u") { status } }' },
  { name: 'a mistyped type in a variable definition', query: 'mutation ($i: CreateUserInpt!) { __typename }' },
  { name: 'a mistyped type condition', query: '{ user(userId: "u") { ... on Usr { status } } }' },
  { name: 'a fragment on another type', query: '{ user(userId: "u") { ... on Session { startedAt } } }' },
  { name: 'a mistyped input field in a literal', query: 'mutation { createUser(input: { emial: "a@example.com" }) { __typename } }' },
  { name: 'a missing required input field', query: 'mutation { createSession(input: { sessionDurationMinutes: 60 }) { __typename } }' },
  { name: 'a missing required argument', query: '{ user { status } }' },
  { name: 'a wrong literal type for an input', query: 'mutation { createTotp(input: "x") { __typename } }' },
  { name: 'a scalar where an object is expected', query: 'mutation { createUser(input: { trustedMetadata: 1 }) { __typename } }' },
  { name: 'a mistyped input field in variables', query: 'mutation ($i: CreateUserInput!) { createUser(input: $i) { __typename } }', variables: { i: { emial: 'a@example.com' } } },
  { name: 'a missing required field in variables', query: 'mutation ($i: CreateSessionInput!) { createSession(input: $i) { __typename } }', variables: { i: { sessionDurationMinutes: 60 } } },
  { name: 'a wrong type in variables', query: 'mutation ($i: CreateTotpInput!) { createTotp(input: $i) { __typename } }', variables: { i: { userId: 'u', expirationMinutes: 'soon' } } },
  { name: 'a list where an object is expected in variables', query: 'mutation ($i: CreateUserInput!) { createUser(input: $i) { __typename } }', variables: { i: [1] } },
];

/** Where a request goes: the fast path (Basic, JSON), Apollo's pipeline (another Accept header), or GET (queries only). */
const TRANSPORTS = ['fast path', "Apollo's path", 'GET'] as const;

describe.each(['production', 'development'])('error messages with NODE_ENV=%s', (mode) => {
  let gw: TestGateway;
  const { names, types } = ownNames();
  beforeAll(async () => {
    gw = await startGateway({ env: { NODE_ENV: mode } });
  });
  afterAll(() => gw?.close());

  async function messages(mistake: Mistake, transport: (typeof TRANSPORTS)[number]): Promise<string[]> {
    const headers: Record<string, string> = { authorization: gw.client.authorization! };
    let response: Response;
    if (transport === 'GET') {
      const params = new URLSearchParams({ query: mistake.query, ...(mistake.variables && { variables: JSON.stringify(mistake.variables) }) });
      response = await fetch(`${gw.url}/graphql?${params}`, { headers: { ...headers, 'apollo-require-preflight': 'true' } });
    } else {
      if (transport === "Apollo's path") headers.accept = 'application/graphql-response+json';
      response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: mistake.query, variables: mistake.variables }) });
    }
    const body = (await response.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> };
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(body.errors?.length).toBeGreaterThan(0);
    return body.errors!.map((e) => e.message);
  }

  const cases = MISTAKES.flatMap((mistake) => TRANSPORTS.filter((t) => t !== 'GET' || mistake.query.startsWith('{')).map((transport) => ({ ...mistake, transport })));

  it.each(cases)('$name ($transport): no suggestion', async ({ transport, ...mistake }) => {
    for (const message of await messages(mistake, transport)) {
      expect(message).not.toMatch(/did you mean/i);
      expect(message).not.toContain('[Suggestion hidden]');
    }
  });

  if (mode === 'production') {
    it.each(cases)('$name ($transport): names only schema elements the caller sent', async ({ transport, ...mistake }) => {
      const sent = new Set(mistake.query.match(/[_A-Za-z][_0-9A-Za-z]*/g));
      for (const message of await messages(mistake, transport)) {
        // Variable coercion messages quote the caller's own value and path back first.
        const own = new Set(message.match(/^Variable "[^"]*" got invalid value [^;]*;/)?.[0].match(/[_A-Za-z][_0-9A-Za-z]*/g));
        const quoted = [...message.matchAll(/"([^"]*)"/g)].flatMap(([, inner]) => inner.match(/[_A-Za-z][_0-9A-Za-z]*/g) ?? []);
        const anywhere = (message.match(/[_A-Za-z][_0-9A-Za-z]*/g) ?? []).filter((word) => types.has(word));
        const unsent = [...quoted, ...anywhere].filter((name) => names.has(name) && !sent.has(name) && !own.has(name));
        expect({ message, unsent }).toEqual({ message, unsent: [] });
      }
    });

    it('the example of the report: a mistyped enum value does not reveal SECRET or AuthRole', async () => {
      const [, enumMessage] = await messages(MISTAKES[0], 'fast path');
      expect(enumMessage).toMatch(/^Value "SECRT" does not exist in "\[hidden\]" enum\.$/);
    });
  } else {
    it('with introspection on, messages keep naming the types involved', async () => {
      const [message] = await messages(MISTAKES[2], 'fast path');
      expect(message).toBe('Cannot query field "userI" on type "User".');
    });
  }
});
