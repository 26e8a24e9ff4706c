// One verification attempt is one transaction: it is counted and audited whatever the factor check answers, reset on success, refused unverified when locked, and rolled back whole when the check throws.
import type { EntityManager } from 'typeorm';
import { UserLockDocument } from '../../client';
import { VerificationAttemptService, type VerifyFactor } from '../../src/verification/verification-attempt.service';
import { LockoutService } from '../../src/users/lockout.service';
import { TotpNotFoundError, UnableToAuthenticateTotpError } from '../../src/totp/totp.errors';
import type { NewFactor } from '../../src/sessions/session.service';
import { describeEachDialect, startGateway, type TestGateway } from '../support/gateway';

const MAX_ATTEMPTS = 3;

describeEachDialect('a verification attempt on %s', (dialect) => {
  let gw: TestGateway;
  let service: VerificationAttemptService;

  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS), LOCKOUT_DURATION_SECONDS: '300' } });
    const { db, services, config } = { db: gw.gateway.db, services: gw.gateway.services, config: gw.config };
    service = new VerificationAttemptService(db, services.users, new LockoutService(config.lockout), services.audit);
  });
  afterAll(() => gw.close());

  /** Runs one attempt for `userId` whose factor check is `verify`; answers the error code or 'ok'. */
  async function attempt(userId: string, verify: VerifyFactor, requestId = 'req-attempt'): Promise<string> {
    const session = await gw.gateway.services.sessions.forAttempt(gw.project.projectId, userId, {}, null);
    const factor: NewFactor = { type: 'totp', deliveryMethod: 'authenticator_app', totpId: 'totp-00000000-0000-4000-8000-000000000000' };
    try {
      await service.verify({ projectId: gw.project.projectId, userId, requestId, nowMs: Date.now(), factor, session }, verify);
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  }

  const lockState = async (userId: string) => {
    const { user } = await gw.client.data(UserLockDocument, { userId });
    return { consecutiveFailures: user.consecutiveFailures, locked: user.isLocked };
  };
  const outcomes = async (userId: string): Promise<string[]> => {
    const rows: Array<{ outcome: string }> = await gw.gateway.db.dataSource.query(
      `SELECT outcome FROM auth_events WHERE user_id = ${dialect === 'postgres' ? '$1' : '?'} ORDER BY seq`,
      [userId],
    );
    return rows.map((r) => r.outcome);
  };
  const refuse: VerifyFactor = async () => new UnableToAuthenticateTotpError();
  const accept: VerifyFactor = async () => ({ type: 'totp', deliveryMethod: 'authenticator_app', totpId: 'totp-00000000-0000-4000-8000-000000000000' });

  it('commits a refused attempt as one spent failure and one audit event, then answers its error', async () => {
    const userId = await gw.createUser();
    expect(await attempt(userId, refuse)).toBe('UNABLE_TO_AUTHENTICATE_TOTP');
    expect(await lockState(userId)).toEqual({ consecutiveFailures: 1, locked: false });
    expect(await outcomes(userId)).toEqual(['failure']);
  });

  it('resets the failure count on success and audits the success', async () => {
    const userId = await gw.createUser();
    expect(await attempt(userId, refuse)).toBe('UNABLE_TO_AUTHENTICATE_TOTP');
    expect(await attempt(userId, accept)).toBe('ok');
    expect(await lockState(userId)).toEqual({ consecutiveFailures: 0, locked: false });
    expect(await outcomes(userId)).toEqual(['failure', 'success']);
  });

  it('once locked, refuses without running the factor check and audits the attempt as locked', async () => {
    const userId = await gw.createUser();
    for (let i = 0; i < MAX_ATTEMPTS; i++) expect(await attempt(userId, refuse)).toBe('UNABLE_TO_AUTHENTICATE_TOTP');
    let checked = false;
    const spy: VerifyFactor = async (m: EntityManager) => {
      checked = true;
      return accept(m);
    };
    expect(await attempt(userId, spy)).toBe('USER_LOCK_LIMIT_REACHED');
    expect(checked).toBe(false);
    expect((await lockState(userId)).locked).toBe(true);
    expect(await outcomes(userId)).toEqual([...Array(MAX_ATTEMPTS).fill('failure'), 'locked']);
  });

  it('rolls the whole attempt back when the factor check throws (the factor vanished): nothing counted, nothing audited', async () => {
    const userId = await gw.createUser();
    const vanished: VerifyFactor = async () => {
      throw new TotpNotFoundError();
    };
    expect(await attempt(userId, vanished)).toBe('TOTP_NOT_FOUND');
    expect(await lockState(userId)).toEqual({ consecutiveFailures: 0, locked: false });
    expect(await outcomes(userId)).toEqual([]);
  });

  it('answers USER_NOT_FOUND for a user that does not exist and writes nothing', async () => {
    const missing = 'user-00000000-0000-4000-8000-000000000000';
    expect(await attempt(missing, accept)).toBe('USER_NOT_FOUND');
    expect(await outcomes(missing)).toEqual([]);
  });
});
