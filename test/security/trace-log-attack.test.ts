// Secrets sent in every place a client can put them (inline GraphQL literals, REST bodies, paths, query strings, headers, otpauth URIs) reach no exported span and no log line, and a client-chosen operation name is bounded in both.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, totpCode, type TestGateway } from '../support/gateway';

/** Base32, 160 bits: distinctive enough that any occurrence is a leak. */
const SECRET = 'KRUGS4ZANFZSAYJAONSWG4TFOQQHI2DBOQQG2ZLTOQ======'.replace(/=+$/, '');
/** A recovery code and a TOTP code shaped value, both distinctive. */
const RECOVERY = 'zq7x-k2m9-w4v8';
const QUERY_MARKER = 'qsMarker7c1d0e';
const PATH_MARKER = 'pathMarker93ab';

let receiver: { url: string; bodies: string[]; close(): Promise<void> };
let gw: TestGateway;

beforeAll(async () => {
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver = { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
  gw = await startGateway({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'attack', OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

const basic = () => 'Basic ' + Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64');

/** POSTs a GraphQL document as written (inline literals, no variables). */
async function graphql(query: string, authorization: string = basic()): Promise<unknown> {
  const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return response.json();
}

async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${gw.url}/v1${path}`, { method, headers: { authorization: basic(), 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  return response.json();
}

/** Every span name and attribute value exported so far, after the gateway flushed them. */
function exported(): string {
  return receiver.bodies.join('\n');
}

it('inline literals, REST bodies, paths, query strings and headers: none of the values reaches a span or a log line', async () => {
  const created = (await graphql('mutation { createUser(input: { email: "leak-check@example.com" }) { userId } }')) as { data: { createUser: { userId: string } } };
  const userId = created.data.createUser.userId;
  const imported = (await graphql(
    `mutation ImportInline { importTotp(input: { userId: "${userId}", secret: "${SECRET}", recoveryCodes: ["${RECOVERY}"] }) { totpId } }`,
  )) as { data?: unknown; errors?: unknown };
  expect(imported.errors).toBeUndefined();
  const code = totpCode(SECRET);
  const authed = (await graphql(`mutation { authenticateTotp(input: {userId: "${userId}", totpCode: "${code}", sessionDurationMinutes: 60}) { sessionToken } }`)) as { data?: { authenticateTotp: { sessionToken: string } } };
  expect(authed.data?.authenticateTotp.sessionToken).toBeTruthy();
  const token = authed.data!.authenticateTotp.sessionToken;
  await graphql(`mutation { authenticateSession(input: { sessionToken: "${token}" }) { sessionJwt } }`);
  await graphql(`mutation { recoverTotp(input: { userId: "${userId}", recoveryCode: "${RECOVERY}", sessionDurationMinutes: 60 }) { sessionToken } }`);
  // Refused values are quoted in nothing either: a bad secret, a bad URI, a wrong password.
  await graphql(`mutation { importTotp(input: { userId: "${userId}", otpauthUri: "otpauth://totp/a:b?secret=${SECRET}&algorithm=MD5" }) { totpId } }`);
  await graphql(`mutation { importTotp(input: { userId: "${userId}", secret: "${SECRET.slice(0, 20)}" }) { totpId } }`);
  await graphql('{ __typename }', 'Basic ' + Buffer.from(`${gw.project.projectId}:${SECRET}`).toString('base64'));
  const other = (await rest('POST', '/users', { email: 'rest-leak@example.com', external_id: PATH_MARKER })) as { user_id: string };
  await rest('POST', '/totps/migrate', { user_id: other.user_id, secret: SECRET, recovery_codes: [RECOVERY] });
  await rest('POST', '/totps/migrate', { user_id: other.user_id, otpauth_uri: `otpauth://hotp/x?secret=${SECRET}` });
  await rest('GET', `/users/${PATH_MARKER}?secret=${QUERY_MARKER}`);
  await fetch(`${gw.url}/graphql?query=${encodeURIComponent(`{ __typename }`)}&extensions=${QUERY_MARKER}`, { headers: { authorization: basic() } });
  await gw.close();

  const logs = gw.logs();
  const spans = exported();
  expect(spans).toMatch(/ImportInline/);
  for (const value of [SECRET, SECRET.slice(0, 20), RECOVERY, code, token, gw.project.secret, QUERY_MARKER]) {
    expect({ value, inLogs: logs.includes(value) }).toEqual({ value, inLogs: false });
    expect({ value, inSpans: spans.includes(value) }).toEqual({ value, inSpans: false });
  }
  // A path's user / external id is an identifier, not a secret: the log line's url has it (without the
  // query string), the span only the route template.
  expect(spans.includes(PATH_MARKER)).toBe(false);
});

it('a client-chosen operation name is bounded in the log line and the span, authenticated or not', async () => {
  const bodies = receiver.bodies.length;
  const named = await startGateway({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' } });
  const long = `Secret_${'s3cr3t'.repeat(20_000)}`;
  const send = (authorization?: string) =>
    fetch(`${named.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization && { authorization }) }, body: JSON.stringify({ query: `query ${long} { __typename }` }) });
  await send();
  await send('Basic ' + Buffer.from(`${named.project.projectId}:${named.project.secret}`).toString('base64'));
  await named.close();
  const completed = named
    .logs()
    .split('\n')
    .filter((line) => line.includes('request completed'));
  expect(completed.length).toBeGreaterThanOrEqual(2);
  for (const line of completed) expect(line.length).toBeLessThan(2_000);
  const spans = receiver.bodies.slice(bodies).join('\n');
  expect(spans).toMatch(/Secret_s3cr3t/);
  expect(spans.includes('s3cr3t'.repeat(100))).toBe(false);
});
