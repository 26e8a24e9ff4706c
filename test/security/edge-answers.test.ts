// Requests refused before any route runs (an undecodable URL, a malformed or late request, a coded body) still get a catalogue error with a request id, and write nothing.
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { GetUserDocument } from '../../client';
import { describeEachDialect, startGateway, type TestGateway } from '../support/gateway';

/** Sends raw bytes on a new connection and resolves to everything the gateway wrote before closing it. */
function raw(gw: TestGateway, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

/** Status line, x-request-id header and parsed JSON body of a raw HTTP answer. */
function parse(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  const requestId = /\r\nx-request-id: ([^\r\n]+)/i.exec(head)?.[1];
  return { status: Number(head.split(' ')[1]), requestId, body: JSON.parse(body) as Record<string, unknown> };
}

describeEachDialect('answers before any route on %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { HTTP_REQUEST_TIMEOUT_SECONDS: '1' } });
  });
  afterAll(() => gw.close());

  it.each([
    ['/v1/users/%ED%A0%80', 'rest'],
    ['/v1/users/%C0', 'rest'],
    ['/graph%FFql', 'graphql'],
    ['/%C0', 'graphql'],
  ])('a URL path that is not percent-encoded UTF-8 (%s) answers 400 invalid_utf8 with its request id', async (path, form) => {
    const response = await fetch(`${gw.url}${path}`, { headers: { authorization: gw.client.authorization! } });
    expect(response.status).toBe(400);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const body = (await response.json()) as Record<string, unknown>;
    if (form === 'rest') expect(body).toMatchObject({ status_code: 400, error_type: 'invalid_utf8', request_id: requestId });
    else expect(body).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_REQUEST', errorType: 'invalid_utf8', requestId }) })] });
  });

  it.each([
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a Content-Length that is not a number', 'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n'],
    ['a raw non-ASCII byte in the target', 'GET /\u00c0 HTTP/1.1\r\nhost: x\r\n\r\n'],
  ])('%s answers 400 BAD_REQUEST with a request id in the header and the body', async (_name, bytes) => {
    const answer = parse(await raw(gw, bytes));
    expect(answer.status).toBe(400);
    expect(answer.requestId).toBeTruthy();
    expect(answer.body).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_REQUEST', requestId: answer.requestId }) })] });
  });

  it('a request that never finishes answers 408 REQUEST_TIMEOUT with a request id', async () => {
    const answer = parse(await raw(gw, 'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":'));
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'REQUEST_TIMEOUT', requestId: answer.requestId }) })] });
  });

  it.each(['gzip', 'br', 'deflate', 'identity, gzip'])('a JSON body with Content-Encoding %s answers 415 and writes nothing (GraphQL and REST)', async (coding) => {
    const email = `coded-${coding.replace(/\W/g, '')}-${Date.now()}@example.com`;
    const plain = JSON.stringify({ email });
    for (const [path, body] of [
      ['/v1/users', plain],
      ['/graphql', JSON.stringify({ query: 'mutation($i: CreateUserInput!) { createUser(input: $i) { userId } }', variables: { i: { email } } })],
    ] as const) {
      const response = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': coding, authorization: gw.client.authorization! },
        body,
      });
      expect(response.status).toBe(415);
      const text = await response.text();
      expect(text).toContain('unsupported_content_encoding');
      expect(text).toContain(response.headers.get('x-request-id')!);
    }
    // Nothing was written: the email is still free.
    const userId = await gw.createUser({ email });
    expect((await gw.client.data(GetUserDocument, { userId })).user.emails[0].email).toBe(email);
  });

  it('a real gzip body is refused the same way, not read as broken UTF-8', async () => {
    const response = await fetch(`${gw.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: gw.client.authorization! },
      body: gzipSync(JSON.stringify({ email: 'gz@example.com' })),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error_type: 'unsupported_content_encoding' });
  });

  it('Content-Encoding: identity is the body as sent', async () => {
    const response = await fetch(`${gw.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'identity', authorization: gw.client.authorization! },
      body: JSON.stringify({ email: `identity-${Date.now()}@example.com` }),
    });
    expect(response.status).toBe(200);
  });
});
