// Each request's "request completed" log line names its GraphQL operation(s), result, error codes and request id, and never an argument value.
import { startGateway, type TestGateway } from '../support/gateway';

/** A value shaped like a secret that must never reach a log line, whatever carries it. */
const MARKER = 'sEcReT-9f3b2c7d1e8a4b6c';

let gw: TestGateway;
beforeAll(async () => (gw = await startGateway()));
afterAll(() => gw?.close());

const basic = () => 'Basic ' + Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64');

async function post(body: unknown, requestId: string): Promise<Response> {
  return fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { authorization: basic(), 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(body),
  });
}

/** The parsed "request completed" line of one request. */
function completedLine(requestId: string): { reqId: string; res: Record<string, unknown> } {
  const lines = gw
    .logs()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { reqId?: string; msg?: string; res?: Record<string, unknown> });
  const found = lines.filter((line) => line.reqId === requestId && line.msg === 'request completed');
  expect(found).toHaveLength(1);
  return found[0] as { reqId: string; res: Record<string, unknown> };
}

const CREATE_USER = 'mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { userId } }';

it('a successful operation: its name, success, the request id, and not the email it created', async () => {
  const response = await post({ query: CREATE_USER, variables: { input: { email: `${MARKER}@example.com`, externalId: MARKER } } }, 'log-success-1');
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe('log-success-1');
  expect(completedLine('log-success-1').res).toEqual({ statusCode: 200, operations: ['CreateUser'], result: 'success' });
});

it('an operation answering an error: result error and its code', async () => {
  const query = 'query ReadUser($id: ID!) { user(userId: $id) { userId } }';
  const response = await post({ query, variables: { id: 'user-00000000-0000-4000-8000-000000000000' } }, 'log-error-1');
  expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('USER_NOT_FOUND');
  expect(completedLine('log-error-1').res).toEqual({ statusCode: 200, operations: ['ReadUser'], result: 'error', errorCodes: ['USER_NOT_FOUND'] });
});

it('variables that do not coerce: the code, never the value the error message quotes to the caller', async () => {
  const response = await post({ query: CREATE_USER, variables: { input: { email: 'a@example.com', [MARKER]: MARKER } } }, 'log-coerce-1');
  expect(response.status).toBe(400);
  const { res } = completedLine('log-coerce-1');
  expect(res).toMatchObject({ statusCode: 400, result: 'error', errorCodes: ['BAD_USER_INPUT'] });
});

it('a batch: every operation by name, and every error code', async () => {
  const response = await post(
    [
      { query: CREATE_USER, variables: { input: { email: `batch-${MARKER}@example.com` } } },
      { query: 'query Missing { user(userId: "user-00000000-0000-4000-8000-000000000001") { userId } }' },
    ],
    'log-batch-1',
  );
  expect(response.status).toBe(200);
  const { res } = completedLine('log-batch-1');
  expect([...(res.operations as string[])].sort()).toEqual(['CreateUser', 'Missing']);
  expect(res).toMatchObject({ statusCode: 200, result: 'error', errorCodes: ['USER_NOT_FOUND'] });
});

it('a GET carrying the value in its query string, and a TOTP code sent to authenticateTotp, are not logged either', async () => {
  const url = `${gw.url}/graphql?query=${encodeURIComponent(`query Q { user(userId: "${MARKER}") { userId } }`)}`;
  await fetch(url, { headers: { authorization: basic(), 'apollo-require-preflight': 'true', 'x-request-id': 'log-get-1' } });
  expect(completedLine('log-get-1').res).toMatchObject({ operations: ['Q'], result: 'error' });
  const { userId } = await gw.enroll({ verify: true });
  const guess = { query: 'mutation Guess($u: ID!, $c: String!) { authenticateTotp(input: { userId: $u, totpCode: $c }) { userId } }', variables: { u: userId, c: '000000' } };
  await post(guess, 'log-guess-1');
  expect(completedLine('log-guess-1').res.operations).toEqual(['Guess']);
  const logs = gw.logs();
  expect(logs).not.toContain(MARKER);
  expect(logs).not.toContain(gw.project.secret);
  expect(logs).not.toMatch(/"000000"|:000000\b/);
});

it('answers outside GraphQL execution carry their code too (unknown route, malformed JSON holding the value)', async () => {
  await fetch(`${gw.url}/nowhere`, { headers: { 'x-request-id': 'log-404-1' } });
  expect(completedLine('log-404-1').res).toEqual({ statusCode: 404, result: 'error', errorCodes: ['ROUTE_NOT_FOUND'] });
  await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'log-json-1' }, body: `{"query": "${MARKER}` });
  expect(completedLine('log-json-1').res).toMatchObject({ statusCode: 400, result: 'error', errorCodes: [expect.any(String)] });
  expect(gw.logs()).not.toContain(MARKER);
});
