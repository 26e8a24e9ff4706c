// Over real HTTP (GraphQL through Apollo, the /graphql fast path, REST /v1): a TOTP code whose request body arrives before a step boundary and is processed after it is judged at its arrival (RFC 6238 §5.2), within ±1 step.
import { connect } from 'node:net';
import { GraphqlFastPath } from '../../src/api/fast-path';
import { MAX_ARRIVAL_LAG_MS } from '../../src/totp/totp.service';
import { describeEachDialect, startGateway, totpCode, type TestGateway } from '../support/gateway';

const STEP_MS = 30_000;
const AUTHENTICATE = 'mutation($i: AuthenticateTotpInput!) { authenticateTotp(input: $i) { userId session { startedAt } } }';
/** Apollo negotiates this Accept header as well; the fast path leaves it to Apollo (see fast-path.test.ts). */
const FORCE_APOLLO = { accept: 'application/json;q=1' };
const SESSION_MINUTES = 60;

type Transport = 'graphql (Apollo)' | 'graphql (fast path)' | 'rest';
/** A response: GraphQL's `{data, errors}` or a REST body. */
interface Answer {
  status: number;
  body: { data?: { authenticateTotp: unknown }; errors?: Array<{ extensions: { code: string } }>; [field: string]: unknown };
}

/** Observes (calls through) which /graphql path answered: the fast path resolves its body, or false for Apollo. */
const answered = jest.spyOn(GraphqlFastPath.prototype as unknown as { answer: () => Promise<string | false> }, 'answer');
afterAll(() => answered.mockRestore());

describeEachDialect('a code is judged at its arrival over HTTP on %s', (dialect) => {
  // The gateway's clock. Every request is stamped at `arrivedAt`, 1 s before a step boundary; the
  // server-side hook right after the stamp moves it past the boundary, so everything after the stamp
  // (the service's judging, the session it starts) runs at `processedAt`.
  const clock = { t: 0, now() { return this.t; } };
  let gw: TestGateway;
  let arrivedAt: number;
  let processedAt: number;
  /** Armed for one request: the next arrival moves the clock to `processedAt`. */
  let armed = false;
  let held = 0;
  beforeAll(async () => {
    arrivedAt = Math.floor(Date.now() / STEP_MS) * STEP_MS + STEP_MS - 1_000;
    // Past the boundary, and within how far back a stamp may reach (so the stamp is what counts).
    processedAt = arrivedAt + MAX_ARRIVAL_LAG_MS / 2;
    clock.t = arrivedAt;
    gw = await startGateway({
      dialect,
      clock,
      afterArrival: async () => {
        if (!armed) return;
        armed = false;
        held++;
        clock.t = processedAt;
      },
    });
  });
  afterAll(() => gw.close());

  /** A user whose TOTP was verified two steps before the arrival (so the steps judged below are unused). */
  async function verifiedUser() {
    clock.t = arrivedAt - 2 * STEP_MS;
    const enrollment = await gw.enroll({ verify: true });
    clock.t = arrivedAt;
    return enrollment;
  }

  /** Sends one authenticate request on `transport`, held at the server between arrival and processing. */
  async function send(transport: Transport, userId: string, code: string): Promise<Answer> {
    answered.mockClear();
    const headers = { 'content-type': 'application/json', authorization: gw.client.authorization!, ...(transport === 'graphql (Apollo)' && FORCE_APOLLO) };
    const rest = transport === 'rest';
    const body = rest
      ? { user_id: userId, totp_code: code, session_duration_minutes: SESSION_MINUTES }
      : { query: AUTHENTICATE, variables: { i: { userId, totpCode: code, sessionDurationMinutes: SESSION_MINUTES } } };
    armed = true;
    const heldBefore = held;
    const response = await fetch(`${gw.url}${rest ? '/v1/totps/authenticate' : '/graphql'}`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(held).toBe(heldBefore + 1);
    if (transport !== 'rest') {
      // The path named is the path that answered: the fast path answers itself, or hands over to Apollo.
      const answers = await Promise.all(answered.mock.results.map((result) => result.value as Promise<string | false>));
      expect(answers.some((answer) => typeof answer === 'string')).toBe(transport === 'graphql (fast path)');
    }
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  const accepted = (transport: Transport, answer: Answer, userId: string) => {
    if (transport === 'rest') {
      expect(answer).toMatchObject({ status: 200, body: { user_id: userId, session: { started_at: new Date(processedAt).toISOString() } } });
    } else {
      expect(answer.body.errors).toBeUndefined();
      // Processed after the boundary: the session the code starts is stamped with the processing time.
      expect(answer.body.data?.authenticateTotp).toEqual({ userId, session: { startedAt: new Date(processedAt).toISOString() } });
    }
  };
  const refused = (transport: Transport, answer: Answer) => {
    if (transport === 'rest') expect(answer.body).toMatchObject({ status_code: answer.status, error_type: 'unable_to_authenticate_totp' });
    else expect(answer.body.errors?.map((e) => e.extensions.code)).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
  };

  describe.each<Transport>(['graphql (Apollo)', 'graphql (fast path)', 'rest'])('%s', (transport) => {
    it('accepts the previous step of the arrival time after the request was held past a step boundary', async () => {
      const { userId, secret } = await verifiedUser();
      // Judged at processing time this code would be two steps old (no transit grace: verified TOTP).
      expect(Math.floor(processedAt / STEP_MS) - Math.floor(arrivedAt / STEP_MS)).toBe(1);
      accepted(transport, await send(transport, userId, totpCode(secret, -1, arrivedAt)), userId);
    });

    it('still refuses, held the same way, a code older than the window at its arrival', async () => {
      const { userId, secret } = await verifiedUser();
      refused(transport, await send(transport, userId, totpCode(secret, -2, arrivedAt)));
      // The same user, the same hold: the code of the arrival step itself is accepted (the refusal was the code's age).
      accepted(transport, await send(transport, userId, totpCode(secret, 0, arrivedAt)), userId);
    });
  });

  it('stamps arrival when the body (the code) has arrived, not when the headers did', async () => {
    const { userId, secret } = await verifiedUser();
    // Good at the headers' arrival (the previous step), two steps old once the body is in.
    const body = JSON.stringify({ query: AUTHENTICATE, variables: { i: { userId, totpCode: totpCode(secret, -1, arrivedAt) } } });
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
    });
    const head = `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nconnection: close\r\n` +
      `authorization: ${gw.client.authorization}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    // Headers and the first half of the body; once the server has the headers (its 'request' event),
    // the clock moves past the boundary (less than MAX_ARRIVAL_LAG_MS, so that bound decides nothing),
    // then the rest of the body (the code) comes.
    const headersIn = new Promise((resolve) => gw.gateway.app.server.once('request', resolve));
    const half = Math.floor(body.length / 2);
    socket.write(head + body.slice(0, half));
    await headersIn;
    clock.t = processedAt;
    // write, not end: a half-closed socket lets Node abort the request (the server closes after answering).
    socket.write(body.slice(half));
    expect(await answer).toContain('UNABLE_TO_AUTHENTICATE_TOTP');
  });
});
