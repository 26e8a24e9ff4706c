// A refusal the request decides (merged session claims too large) comes before the guess is judged: a correct and a wrong code get the same answer, neither spends an attempt nor leaves an audit event, and the correct code stays usable (OWASP ASVS 2.2.1, NIST SP 800-63B §5.2.2).
import { randomInt } from 'node:crypto';
import { AuthenticateTotpDocument, AuthEventsDocument, CreateSessionDocument, RecoverTotpDocument, UserLockDocument, type GatewayClient } from '../../client';
import { codes, describeEachDialect, sessionClient, startGateway, totpCode, type Enrollment, type TestGateway } from '../support/gateway';

const MAX_ATTEMPTS = 3;
/** Each alone fits the 4 KiB limit; the two merged do not. */
const BIG_A = { a: 'x'.repeat(4000) };
const BIG_B = { b: 'y'.repeat(4000) };

/** A 6-digit code no nearby step of `secret` has, so it is surely wrong. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

describeEachDialect('claims refused before the verdict on %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
  });
  afterAll(() => gw?.close());

  /** A verified user with a backend session holding BIG_A. */
  async function withBigSession(): Promise<Enrollment & { sessionToken: string; browser: GatewayClient }> {
    const e = await gw.enroll({ verify: true });
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId: e.userId, sessionDurationMinutes: 60, sessionCustomClaims: BIG_A } });
    return { ...e, sessionToken: createSession.sessionToken, browser: sessionClient(gw.client, gw.project.publicToken, createSession.sessionToken) };
  }
  /** What the attempts left a trace in: the audit trail and the failure count. */
  async function trace(userId: string) {
    const events = (await gw.client.data(AuthEventsDocument, { userId, first: 50 })).authEvents.edges.map((edge) => edge.node.outcome);
    const { user } = await gw.client.data(UserLockDocument, { userId });
    return { events, failures: user.consecutiveFailures, locked: user.isLocked };
  }

  it('authenticateTotp with a session token: right and wrong codes both answer CUSTOM_CLAIMS_TOO_LARGE, spend nothing, and the right code still works', async () => {
    const e = await withBigSession();
    const before = await trace(e.userId);
    const guess = (totpCode_: string, claims: Record<string, unknown> | undefined = BIG_B) =>
      gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode_, sessionToken: e.sessionToken, sessionCustomClaims: claims } });
    expect(codes(await guess(totpCode(e.secret)))).toEqual(['CUSTOM_CLAIMS_TOO_LARGE']);
    for (let i = 0; i < MAX_ATTEMPTS + 1; i++) expect(codes(await guess(wrongCode(e.secret)))).toEqual(['CUSTOM_CLAIMS_TOO_LARGE']);
    expect(await trace(e.userId)).toEqual(before);
    // A null deletes `a`, so the merge fits: the same correct code, never spent, now authenticates.
    const ok = await guess(totpCode(e.secret), { a: null, ...BIG_B });
    expect(codes(ok)).toEqual([]);
    expect(ok.data?.authenticateTotp.session?.customClaims).toEqual(BIG_B);
  });

  it('recoverTotp with a session token: the same, and the recovery code stays unused', async () => {
    const e = await withBigSession();
    const before = await trace(e.userId);
    const recover = (recoveryCode: string) =>
      gw.client.request(RecoverTotpDocument, { input: { userId: e.userId, recoveryCode, sessionToken: e.sessionToken, sessionCustomClaims: BIG_B } });
    const wrong = e.recoveryCodes.includes('zzzz-zzzz-zzzz') ? 'yyyy-yyyy-yyyy' : 'zzzz-zzzz-zzzz';
    expect(codes(await recover(e.recoveryCodes[0]))).toEqual(['CUSTOM_CLAIMS_TOO_LARGE']);
    for (let i = 0; i < MAX_ATTEMPTS + 1; i++) expect(codes(await recover(wrong))).toEqual(['CUSTOM_CLAIMS_TOO_LARGE']);
    expect(await trace(e.userId)).toEqual(before);
    expect(codes(await gw.client.request(RecoverTotpDocument, { input: { userId: e.userId, recoveryCode: e.recoveryCodes[0], sessionToken: e.sessionToken } }))).toEqual([]);
  });

  it('a session caller (browser) may not set claims at all: refused the same way for right and wrong codes, before any verdict', async () => {
    const e = await withBigSession();
    const before = await trace(e.userId);
    const guess = (code: string) => e.browser.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: code, sessionCustomClaims: BIG_B } });
    expect(codes(await guess(totpCode(e.secret)))).toEqual(['BAD_USER_INPUT']);
    for (let i = 0; i < MAX_ATTEMPTS + 1; i++) expect(codes(await guess(wrongCode(e.secret)))).toEqual(['BAD_USER_INPUT']);
    expect(await trace(e.userId)).toEqual(before);
    expect(codes(await e.browser.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret) } }))).toEqual([]);
  });

  it('REST /v1/totps/authenticate and /v1/totps/recover answer custom_claims_too_large for right and wrong codes alike', async () => {
    const e = await withBigSession();
    const before = await trace(e.userId);
    const post = async (path: string, body: Record<string, unknown>) => {
      const response = await fetch(`${gw.url}/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
        body: JSON.stringify({ user_id: e.userId, session_token: e.sessionToken, session_custom_claims: BIG_B, ...body }),
      });
      return [response.status, ((await response.json()) as { error_type?: string }).error_type];
    };
    const refused = [400, 'custom_claims_too_large'];
    expect(await post('/totps/authenticate', { totp_code: totpCode(e.secret) })).toEqual(refused);
    expect(await post('/totps/authenticate', { totp_code: wrongCode(e.secret) })).toEqual(refused);
    expect(await post('/totps/recover', { recovery_code: e.recoveryCodes[0] })).toEqual(refused);
    expect(await post('/totps/recover', { recovery_code: 'zzzz-zzzz-zzzz' })).toEqual(refused);
    expect(await trace(e.userId)).toEqual(before);
  });
});
