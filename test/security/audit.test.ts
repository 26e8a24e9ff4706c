// Repudiation and blind spots: every TOTP/recovery attempt (success, failure, replay, locked) and session revocation is audited with its request id, readable per tenant, and never stores a code or token.
import { randomInt, randomUUID } from 'node:crypto';
import { print } from 'graphql';
import {
  AuthEventsDocument,
  AuthenticateTotpDocument,
  DeleteUserDocument,
  RecoverTotpDocument,
  RevokeSessionDocument,
  type AuthEventsQuery,
  type GatewayClient,
} from '../../client';
import { describeEachDialect, codes, startGateway, totpCode, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';

type Event = AuthEventsQuery['authEvents']['edges'][number]['node'];

const MAX_ATTEMPTS = 3;
const EVENT_ID = /^event-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A 6-digit code the server cannot accept around now (none of steps -2..+2). */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

/** The request id the server echoed for an error response. */
function errorRequestId(response: { errors?: Array<{ extensions?: { requestId?: string } }> }): string {
  const requestId = response.errors?.[0]?.extensions?.requestId;
  expect(requestId).toEqual(expect.any(String));
  return requestId!;
}

/** A client that sends its own X-Request-Id (which the gateway keeps), and that id. */
function tagged(client: GatewayClient): { client: GatewayClient; requestId: string } {
  const requestId = `audit-${randomUUID()}`;
  return { client: client.with({ headers: { 'x-request-id': requestId } }), requestId };
}

async function allEvents(client: GatewayClient, userId: string): Promise<Event[]> {
  const { authEvents } = await client.data(AuthEventsDocument, { userId, first: 100 });
  expect(authEvents.pageInfo.hasNextPage).toBe(false);
  return authEvents.edges.map((e) => e.node);
}

/** Outcome fields only, newest first; ids and times are checked separately. */
const summary = (events: Event[]) => events.map(({ type, outcome, requestId }) => ({ type, outcome, requestId }));

describeEachDialect('audit trail on %s', (dialect: Dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
  });
  afterAll(() => gw?.close());

  describe('a user who succeeds, fails, replays, recovers and revokes', () => {
    let user: Enrollment;
    let events: Event[];
    const secrets = new Map<string, string>();
    const expected: Array<{ type: string; outcome: string; requestId: unknown }> = [];

    beforeAll(async () => {
      user = await gw.enroll({ verify: true });
      expected.unshift({ type: 'totp', outcome: 'success', requestId: expect.any(String) });
      const { userId, secret } = user;
      secrets.set('TOTP secret', secret);

      const wrong = wrongCode(secret);
      const failed = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: wrong } });
      expect(codes(failed)).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
      expected.unshift({ type: 'totp', outcome: 'failure', requestId: errorRequestId(failed) });

      // Refused before any attempt is spent: not an attempt, not audited.
      const malformed = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: 'abc' } });
      expect(codes(malformed)).toEqual(['INVALID_TOTP_CODE']);

      const code = totpCode(secret);
      const ok = tagged(gw.client);
      const { authenticateTotp } = await ok.client.data(AuthenticateTotpDocument, { input: { userId, totpCode: code, sessionDurationMinutes: 60 } });
      expected.unshift({ type: 'totp', outcome: 'success', requestId: ok.requestId });
      secrets.set('session token', authenticateTotp.sessionToken!);

      const replayed = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: code } });
      expect(codes(replayed)).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
      expected.unshift({ type: 'totp', outcome: 'replay', requestId: errorRequestId(replayed) });

      const recoveryCode = user.recoveryCodes[0];
      secrets.set('recovery code', recoveryCode);
      secrets.set('recovery code (no dashes)', recoveryCode.replace(/-/g, ''));
      const recovered = tagged(gw.client);
      await recovered.client.data(RecoverTotpDocument, { input: { userId, recoveryCode } });
      expected.unshift({ type: 'recovery_code', outcome: 'success', requestId: recovered.requestId });

      const reused = await gw.client.request(RecoverTotpDocument, { input: { userId, recoveryCode } });
      expect(codes(reused)).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
      expected.unshift({ type: 'recovery_code', outcome: 'failure', requestId: errorRequestId(reused) });

      // Revoke over raw HTTP to read the server-made request id from the x-request-id header.
      const response = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
        body: JSON.stringify({ query: print(RevokeSessionDocument), variables: { input: { sessionToken: authenticateTotp.sessionToken } } }),
      });
      const revoked = (await response.json()) as { data?: { revokeSession?: { sessionId: string } } };
      expect(revoked.data?.revokeSession?.sessionId).toBe(authenticateTotp.session!.sessionId);
      expected.unshift({ type: 'session', outcome: 'revoked', requestId: response.headers.get('x-request-id')! });

      events = await allEvents(gw.client, userId);
    });

    it('lists every attempt and the revocation newest first, with the request ids of their responses', () => {
      expect(summary(events)).toEqual(expected);
      const times = events.map((e) => Date.parse(e.occurredAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('names the user, the TOTP (for code attempts) and a unique event id', () => {
      for (const event of events) {
        expect(event.userId).toBe(user.userId);
        expect(event.totpId).toBe(event.type === 'session' ? null : user.totpId);
        expect(event.eventId).toMatch(EVENT_ID);
        expect(event.occurredAt).toMatch(ISO);
      }
      expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    });

    it('stores exactly those fields: no code, recovery code, token or secret', async () => {
      // The rows hold only the listed values (so neither the 6-digit codes nor anything else).
      const rows: Array<Record<string, unknown>> = await gw.gateway.db.dataSource.query(
        `SELECT * FROM auth_events WHERE user_id = ${dialect === 'postgres' ? '$1' : '?'}`,
        [user.userId],
      );
      expect(rows.length).toBe(events.length);
      for (const row of rows) {
        expect(Object.keys(row).sort()).toEqual(['count', 'event_id', 'occurred_at', 'outcome', 'project_id', 'request_id', 'seq', 'totp_id', 'type', 'user_id', 'window_start']);
        const event = events.find((e) => e.eventId === row.event_id)!;
        expect(row).toEqual({
          seq: expect.anything(),
          event_id: event.eventId,
          project_id: gw.project.projectId,
          user_id: event.userId,
          totp_id: event.totpId,
          type: event.type,
          outcome: event.outcome,
          request_id: event.requestId,
          occurred_at: expect.anything(),
          count: 1,
          window_start: null,
        });
        expect(Number(row.occurred_at)).toBe(Date.parse(event.occurredAt));
      }
      // And nowhere in the database: the long secrets cannot occur by chance, so absence is proof.
      // (6-digit codes are not searched for in the whole database: digit runs occur in timestamps.)
      const bytes = await gw.databaseBytes();
      expect(bytes.includes(user.userId)).toBe(true);
      expect([...secrets].filter(([, value]) => bytes.includes(value)).map(([label]) => label)).toEqual([]);
    });

    it('pages with first/after, newest first, to the same list', async () => {
      const pages: AuthEventsQuery['authEvents'][] = [];
      let after: string | null = null;
      do {
        const { authEvents }: AuthEventsQuery = await gw.client.data(AuthEventsDocument, { userId: user.userId, first: 3, after });
        pages.push(authEvents);
        after = authEvents.pageInfo.endCursor;
      } while (pages.at(-1)!.pageInfo.hasNextPage);
      expect(pages.map((p) => p.edges.length)).toEqual([3, 3, 1]);
      expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual([false, true, true]);
      expect(pages.flatMap((p) => p.edges.map((e) => e.node))).toEqual(events);
      for (const page of pages) {
        expect(page.pageInfo.startCursor).toBe(page.edges[0].cursor);
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)!.cursor);
      }
      // The default page size (20) covers all of them.
      const { authEvents } = await gw.client.data(AuthEventsDocument, { userId: user.userId });
      expect(authEvents.edges.map((e) => e.node)).toEqual(events);
      // The last cursor has nothing after it.
      const { authEvents: end } = await gw.client.data(AuthEventsDocument, { userId: user.userId, after: pages.at(-1)!.pageInfo.endCursor });
      expect(end.edges).toEqual([]);
      expect(end.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
    });

    it('refuses a page size outside 1..100 and a bad cursor with BAD_USER_INPUT', async () => {
      const { userId } = user;
      for (const first of [0, -1, 101]) {
        expect(codes(await gw.client.request(AuthEventsDocument, { userId, first }))).toEqual(['BAD_USER_INPUT']);
      }
      const other = await gw.enroll({ verify: true });
      const { authEvents: others } = await gw.client.data(AuthEventsDocument, { userId: other.userId });
      const foreignCursor = others.edges[0].cursor;
      const forged = Buffer.from(`event-${randomUUID()}`).toString('base64url');
      for (const after of ['garbage', '', '!!!', forged, foreignCursor, events[0].eventId]) {
        expect(codes(await gw.client.request(AuthEventsDocument, { userId, after }))).toEqual(['BAD_USER_INPUT']);
      }
    });

    it('keeps a deleted user\'s events readable by their project', async () => {
      const e = await gw.enroll({ verify: true });
      const before = await allEvents(gw.client, e.userId);
      await gw.client.data(DeleteUserDocument, { userId: e.userId });
      expect(await allEvents(gw.client, e.userId)).toEqual(before);
    });
  });

  it('records a guess refused because the user is locked as "locked", even with the right code', async () => {
    const { userId, secret } = await gw.enroll({ verify: true });
    const expected: Array<{ type: string; outcome: string; requestId: unknown }> = [{ type: 'totp', outcome: 'success', requestId: expect.any(String) }];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const failed = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: wrongCode(secret) } });
      expect(codes(failed)).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
      expected.unshift({ type: 'totp', outcome: 'failure', requestId: errorRequestId(failed) });
    }
    const refusedTotp = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret) } });
    expect(codes(refusedTotp)).toEqual(['USER_LOCK_LIMIT_REACHED']);
    expected.unshift({ type: 'totp', outcome: 'locked', requestId: errorRequestId(refusedTotp) });
    const refusedRecovery = await gw.client.request(RecoverTotpDocument, { input: { userId, recoveryCode: 'aaaa-bbbb-cccc' } });
    expect(codes(refusedRecovery)).toEqual(['USER_LOCK_LIMIT_REACHED']);
    expected.unshift({ type: 'recovery_code', outcome: 'locked', requestId: errorRequestId(refusedRecovery) });
    expect(summary(await allEvents(gw.client, userId))).toEqual(expected);
  });

  it('shows another project\'s user, an unknown user and a deleted one it never had as USER_NOT_FOUND', async () => {
    const a = await gw.enroll({ verify: true });
    const b = await gw.newProject();
    const ownOfB = await gw.enroll({ verify: true, client: b.client });
    expect(codes(await b.client.request(AuthEventsDocument, { userId: a.userId }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await b.client.request(AuthEventsDocument, { userId: `user-${randomUUID()}` }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await b.client.request(AuthEventsDocument, { userId: '' }))).toEqual(['INVALID_USER_ID']);
    // A's cursor is no cursor for B, even on B's own user.
    const { authEvents } = await gw.client.data(AuthEventsDocument, { userId: a.userId });
    expect(codes(await b.client.request(AuthEventsDocument, { userId: ownOfB.userId, after: authEvents.edges[0].cursor }))).toEqual(['BAD_USER_INPUT']);
    // Deleted, A's events stay A's: B still cannot see them.
    await gw.client.data(DeleteUserDocument, { userId: a.userId });
    expect(codes(await b.client.request(AuthEventsDocument, { userId: a.userId }))).toEqual(['USER_NOT_FOUND']);
    // Without credentials nothing is answered.
    const anonymous = gw.client.with({ projectId: undefined, secret: undefined });
    expect(codes(await anonymous.request(AuthEventsDocument, { userId: a.userId }))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
  });
});
