// Threat: slow requests (slowloris): a client that trickles headers or a body, or never finishes them, must not hold a connection and the request's memory for ever.
import { connect, type Socket } from 'node:net';
import { startGateway, type TestGateway } from '../support/gateway';

/**
 * What the gateway wrote on a raw connection before it closed it. Without the limit the gateway never
 * closes these connections and the test fails on jest's timeout instead.
 */
function answerOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
  });
}

const sockets: Socket[] = [];

async function open(gw: TestGateway): Promise<Socket> {
  const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

describe('HTTP_REQUEST_TIMEOUT_SECONDS', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ env: { HTTP_REQUEST_TIMEOUT_SECONDS: '1' } });
  });
  // A failed test must not leave its connection open: close() would wait for it.
  afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));
  afterAll(() => gw.close());

  it('answers 408 and closes a connection whose body never completes', async () => {
    const socket = await open(gw);
    const answer = answerOf(socket);
    socket.write(
      'POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `authorization: ${gw.client.authorization}\r\ncontent-length: 1000\r\n\r\n{"query":`,
    );
    expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose headers never end', async () => {
    const socket = await open(gw);
    const answer = answerOf(socket);
    socket.write('POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ');
    expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('still serves a request that arrives in time', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
