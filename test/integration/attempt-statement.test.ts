// A TOTP attempt judged as data (a StepClaim; on PostgreSQL one statement) keeps the transaction's rules: counted before it is judged, single use of a step, locked refusals unverified, a vanished user or TOTP writing nothing, the audit row and the session row in the same unit; and a login with a session is three statements on PostgreSQL.
import { UserLockDocument } from '../../client';
import { VerificationAttemptService, type StepClaim, type VerifyFactor } from '../../src/verification/verification-attempt.service';
import { LockoutService } from '../../src/users/lockout.service';
import { TimeoutSafeClient } from '../../src/db/pg-client';
import { sql } from '../../src/db/sql';
import { TotpCodeAlreadyAuthenticatedError, TotpNotFoundError, UnableToAuthenticateTotpError } from '../../src/totp/totp.errors';
import type { NewFactor } from '../../src/sessions/session.service';
import { describeEachDialect, startGateway, totpCode, type Enrollment, type TestGateway } from '../support/gateway';

const MAX_ATTEMPTS = 3;

describeEachDialect('a TOTP attempt given as a step claim on %s', (dialect) => {
  let gw: TestGateway;
  let service: VerificationAttemptService;
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

  beforeAll(async () => {
    // No webhook worker: its polling reads would be counted among a login's statements.
    gw = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS), LOCKOUT_DURATION_SECONDS: '300', WEBHOOK_WORKER: 'false' } });
    const { db, services, config } = { db: gw.gateway.db, services: gw.gateway.services, config: gw.config };
    service = new VerificationAttemptService(db, services.users, new LockoutService(config.lockout), services.audit);
  });
  afterAll(() => gw.close());

  const query = <T>(text: string, params: unknown[]): Promise<T[]> => gw.gateway.db.dataSource.query(text, params);
  const lastStep = async (totpId: string) => Number((await query<{ last_step: string }>(`SELECT last_step FROM totps WHERE id = ${p(1)}`, [totpId]))[0].last_step);
  const outcomes = async (userId: string) =>
    (await query<{ outcome: string; count: number | string }>(`SELECT outcome, count FROM auth_events WHERE user_id = ${p(1)} ORDER BY seq`, [userId])).map((r) => `${r.outcome}x${Number(r.count)}`);
  const sessions = async (userId: string) => (await query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM sessions WHERE user_id = ${p(1)}`, [userId]))[0].n;
  const lockState = async (userId: string) => {
    const { user } = await gw.client.data(UserLockDocument, { userId });
    return { consecutiveFailures: user.consecutiveFailures, locked: user.isLocked };
  };

  /** One attempt for `e` with `match` (null: a wrong code), starting a session; answers the error code or 'ok'. */
  async function attempt(e: Pick<Enrollment, 'userId' | 'totpId'>, match: StepClaim['match']): Promise<string> {
    const session = await gw.gateway.services.sessions.forAttempt(gw.project.projectId, e.userId, { sessionDurationMinutes: 60 }, null);
    const factor: NewFactor = { type: 'totp', deliveryMethod: 'authenticator_app', totpId: e.totpId };
    const claim: StepClaim = {
      match,
      wrong: () => new UnableToAuthenticateTotpError(),
      replay: () => new TotpCodeAlreadyAuthenticatedError(),
      gone: () => new TotpNotFoundError(),
    };
    // The general path must not run where the claim decides (PostgreSQL); on SQLite it is the claim's equivalent.
    const verify: VerifyFactor = async (m) => {
      if (dialect === 'postgres') throw new Error('the general transaction ran instead of the one statement');
      if (!match) return claim.wrong();
      const won = await sql(m, 'UPDATE totps SET last_step = ? WHERE id = ? AND last_step < ?', [match.step, match.totpId, match.step]);
      if (won.affected === 1) return { ...factor, totpId: match.totpId };
      if ((await sql(m, 'SELECT 1 AS found FROM totps WHERE id = ?', [match.totpId])).rows.length) return claim.replay();
      throw claim.gone();
    };
    try {
      await service.verify({ projectId: gw.project.projectId, userId: e.userId, requestId: 'req-claim', nowMs: Date.now(), factor, session }, verify, claim);
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  }

  it('accepts a step once: the success resets the count and writes its event and session; the same step again is a counted replay', async () => {
    const e = await gw.enroll({ verify: true });
    expect(await attempt(e, null)).toBe('UNABLE_TO_AUTHENTICATE_TOTP');
    const step = (await lastStep(e.totpId)) + 1;
    expect(await attempt(e, { totpId: e.totpId, step })).toBe('ok');
    expect(await lastStep(e.totpId)).toBe(step);
    expect(await lockState(e.userId)).toEqual({ consecutiveFailures: 0, locked: false });
    expect(Number(await sessions(e.userId))).toBe(1);
    expect(await attempt(e, { totpId: e.totpId, step })).toBe('TOTP_CODE_ALREADY_AUTHENTICATED');
    expect(await lockState(e.userId)).toEqual({ consecutiveFailures: 1, locked: false });
    expect(Number(await sessions(e.userId))).toBe(1);
    // The enrollment's own verification comes first.
    expect((await outcomes(e.userId)).slice(-3)).toEqual(['failurex1', 'successx1', 'replayx1']);
  });

  it('counts failures into a lock, then refuses even a fresh step unverified and counts those refusals into one row', async () => {
    const e = await gw.enroll({ verify: true });
    for (let i = 0; i < MAX_ATTEMPTS; i++) expect(await attempt(e, null)).toBe('UNABLE_TO_AUTHENTICATE_TOTP');
    const before = await lastStep(e.totpId);
    expect(await attempt(e, { totpId: e.totpId, step: before + 1 })).toBe('USER_LOCK_LIMIT_REACHED');
    expect(await attempt(e, { totpId: e.totpId, step: before + 1 })).toBe('USER_LOCK_LIMIT_REACHED');
    expect(await lastStep(e.totpId)).toBe(before);
    expect(await lockState(e.userId)).toEqual({ consecutiveFailures: MAX_ATTEMPTS, locked: true });
    expect(Number(await sessions(e.userId))).toBe(0);
    expect((await outcomes(e.userId)).slice(-2)).toEqual(['failurex1', 'lockedx2']);
  });

  it('writes nothing when the matched TOTP or the user is gone since the request read them', async () => {
    const e = await gw.enroll({ verify: true });
    const step = (await lastStep(e.totpId)) + 1;
    const events = await outcomes(e.userId);
    await query(`DELETE FROM totps WHERE id = ${p(1)}`, [e.totpId]);
    expect(await attempt(e, { totpId: e.totpId, step })).toBe('TOTP_NOT_FOUND');
    expect(await lockState(e.userId)).toEqual({ consecutiveFailures: 0, locked: false });
    expect(await outcomes(e.userId)).toEqual(events);
    expect(Number(await sessions(e.userId))).toBe(0);

    const missing = { userId: 'user-00000000-0000-4000-8000-000000000000', totpId: e.totpId };
    expect(await attempt(missing, null)).toBe('USER_NOT_FOUND');
    expect(await outcomes(missing.userId)).toEqual([]);
  });

  if (dialect === 'postgres') {
    /** The statements (their first keywords) one authenticateTotp with a session sends, selecting `fields`. */
    async function statementsOfLogin(fields: string): Promise<string[]> {
      const e = await gw.enroll({ verify: true });
      const body = JSON.stringify({
        query: `mutation($i: AuthenticateTotpInput!) { authenticateTotp(input: $i) { ${fields} } }`,
        variables: { i: { userId: e.userId, totpCode: totpCode(e.secret), sessionDurationMinutes: 60 } },
      });
      const authorization = `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}`;
      // Observed, not replaced: jest's spy calls through, so every statement runs on the real database.
      const spy = jest.spyOn(TimeoutSafeClient.prototype, 'query');
      try {
        const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
        const answer = (await response.json()) as { errors?: unknown; data?: { authenticateTotp: { sessionToken: string } } };
        expect(answer.errors).toBeUndefined();
        expect(answer.data?.authenticateTotp.sessionToken).toEqual(expect.any(String));
        return spy.mock.calls.map(([first]) => (typeof first === 'string' ? first : String((first as { text?: string }).text)).trim().split(/\s+/)[0]);
      } finally {
        spy.mockRestore();
      }
    }

    it('answers a login with a session in three statements: the credentials, the TOTPs, the attempt', async () => {
      expect(await statementsOfLogin('userId sessionToken sessionJwt')).toEqual(['SELECT', 'SELECT', 'WITH']);
    });

    it('reads the user inside the attempt\'s transaction only when the request selects it', async () => {
      expect(await statementsOfLogin('sessionToken user { userId isLocked totps { totpId verified } }')).toEqual(['SELECT', 'SELECT', 'START', 'WITH', 'SELECT', 'SELECT', 'COMMIT']);
    });
  }
});
