// Several TOTPs per user: with the project's maxTotpsPerUser above 1 a user adds devices (each with a label), a code of any of them signs in and is accepted once per TOTP, one lockout budget covers them all, the factor names the TOTP that matched, deleting one leaves the others working, recovery codes of any device work; a project that changes nothing keeps Stytch's one TOTP (ACTIVE_TOTP_EXISTS).
import {
  AuthenticateTotpDeviceDocument,
  CreateSessionDocument,
  CreateTotpDeviceDocument,
  DeleteTotpDocument,
  RecoverTotpDeviceDocument,
  RegenerateTotpDeviceRecoveryCodesDocument,
  RenameTotpDocument,
  TotpRecoveryCodesDocument,
  UserTotpsDocument,
  type CreateTotpInput,
} from '../../client';
import { codes, describeEachDialect, sessionClient, startGateway, type Dialect, type TestGateway } from '../support/gateway';
import { codeOf, frozenClock, wrongCodeFor } from '../support/devices';

const MAX_ATTEMPTS = 4;

describeEachDialect('several TOTPs per user on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  const clock = frozenClock();
  beforeAll(async () => {
    gw = await startGateway({ dialect, clock, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
    await gw.gateway.services.projectSettings.update(gw.project.projectId, { maxTotpsPerUser: 3 });
  });
  afterAll(() => gw?.close());

  const create = (input: CreateTotpInput, client = gw.client) => client.request(CreateTotpDeviceDocument, { input });
  const authenticate = (userId: string, totpCode: string, extra: { totpId?: string; sessionDurationMinutes?: number } = {}) =>
    gw.client.request(AuthenticateTotpDeviceDocument, { input: { userId, totpCode, ...extra } });
  const totpsOf = async (userId: string) => (await gw.client.data(UserTotpsDocument, { userId })).user.totps;

  /** A device added and verified with its first code (the step before now, so now's code stays unused). */
  async function addDevice(userId: string, label?: string) {
    clock.advance(1); // a distinct createdAt, so devices list in the order they were added
    const { createTotp } = await gw.client.data(CreateTotpDeviceDocument, { input: { userId, label } });
    const result = await authenticate(userId, codeOf(createTotp.secret, {}, clock.now(), -1));
    expect(codes(result)).toEqual([]);
    expect(result.data?.authenticateTotp.totpId).toBe(createTotp.totpId);
    return createTotp;
  }

  it('two devices: codes of each sign in and name their TOTP; deleting one leaves the other working', async () => {
    const userId = await gw.createUser();
    const phone = await addDevice(userId, '  Work phone ');
    const tablet = await addDevice(userId);
    expect([phone.label, tablet.label]).toEqual(['Work phone', 'Authenticator app']);

    const listed = await totpsOf(userId);
    expect(listed.map((t) => [t.totpId, t.verified, t.label])).toEqual([
      [phone.totpId, true, 'Work phone'],
      [tablet.totpId, true, 'Authenticator app'],
    ]);
    for (const t of listed) {
      expect(t).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30 });
      expect(t.verifiedAt).toEqual(expect.any(String));
      expect(t.lastUsedAt).toBe(t.verifiedAt);
    }
    expect(listed[1].verifiedAt).toBe(new Date(clock.now()).toISOString());

    const fromPhone = await authenticate(userId, codeOf(phone.secret, {}, clock.now()), { sessionDurationMinutes: 60 });
    expect(codes(fromPhone)).toEqual([]);
    expect(fromPhone.data?.authenticateTotp.totpId).toBe(phone.totpId);
    expect(fromPhone.data?.authenticateTotp.session?.authenticationFactors).toEqual([{ type: 'totp', deliveryMethod: 'authenticator_app', totpId: phone.totpId }]);
    const fromTablet = await authenticate(userId, codeOf(tablet.secret, {}, clock.now()));
    expect(fromTablet.data?.authenticateTotp.totpId).toBe(tablet.totpId);

    expect(codes(await gw.client.request(DeleteTotpDocument, { totpId: phone.totpId }))).toEqual([]);
    clock.advance(30_000);
    expect(codes(await authenticate(userId, wrongCodeFor([{ secret: tablet.secret }], clock.now())))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(codes(await authenticate(userId, codeOf(phone.secret, {}, clock.now())))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    const after = await authenticate(userId, codeOf(tablet.secret, {}, clock.now()));
    expect(codes(after)).toEqual([]);
    expect(after.data?.authenticateTotp.totpId).toBe(tablet.totpId);
    expect((await totpsOf(userId)).map((t) => t.totpId)).toEqual([tablet.totpId]);
  });

  it('accepts each code once per TOTP: a replay on one device does not block the same step on another', async () => {
    const userId = await gw.createUser();
    const a = await addDevice(userId);
    const b = await addDevice(userId);
    expect(codes(await authenticate(userId, codeOf(a.secret, {}, clock.now())))).toEqual([]);
    expect(codes(await authenticate(userId, codeOf(a.secret, {}, clock.now())))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    expect(codes(await authenticate(userId, codeOf(a.secret, {}, clock.now()), { totpId: a.totpId }))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    expect(codes(await authenticate(userId, codeOf(b.secret, {}, clock.now())))).toEqual([]);
    expect(codes(await authenticate(userId, codeOf(b.secret, {}, clock.now())))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
  });

  it('with totpId judges that TOTP only; another user\'s TOTP is TOTP_NOT_FOUND, a malformed id INVALID_TOTP_ID', async () => {
    const userId = await gw.createUser();
    const a = await addDevice(userId);
    const b = await addDevice(userId);
    const stranger = await gw.enroll();
    expect(codes(await authenticate(userId, codeOf(a.secret, {}, clock.now()), { totpId: b.totpId }))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(codes(await authenticate(userId, codeOf(a.secret, {}, clock.now()), { totpId: stranger.totpId }))).toEqual(['TOTP_NOT_FOUND']);
    expect(codes(await authenticate(userId, codeOf(a.secret, {}, clock.now()), { totpId: 'totp-nope' }))).toEqual(['INVALID_TOTP_ID']);
    const named = await authenticate(userId, codeOf(a.secret, {}, clock.now()), { totpId: a.totpId });
    expect([codes(named), named.data?.authenticateTotp.totpId]).toEqual([[], a.totpId]);
  });

  it('spends one lockout attempt per request, however many TOTPs: wrong codes across devices lock at LOCKOUT_MAX_ATTEMPTS', async () => {
    const userId = await gw.createUser();
    const a = await addDevice(userId);
    const b = await addDevice(userId);
    const c = await addDevice(userId);
    const all = [a, b, c].map((d) => ({ secret: d.secret }));
    const wrong = wrongCodeFor(all, clock.now());
    const targets = [undefined, a.totpId, b.totpId, undefined];
    const verdicts: string[][] = [];
    for (const totpId of targets.slice(0, MAX_ATTEMPTS)) verdicts.push(codes(await authenticate(userId, wrong, totpId ? { totpId } : {})));
    expect(verdicts.slice(0, MAX_ATTEMPTS - 1)).toEqual(Array(MAX_ATTEMPTS - 1).fill(['UNABLE_TO_AUTHENTICATE_TOTP']));
    expect(verdicts[MAX_ATTEMPTS - 1]).toEqual([expect.stringMatching(/^(UNABLE_TO_AUTHENTICATE_TOTP|USER_LOCK_LIMIT_REACHED)$/)]);
    // Locked now, for a right code of any device.
    expect(codes(await authenticate(userId, codeOf(c.secret, {}, clock.now())))).toEqual(['USER_LOCK_LIMIT_REACHED']);
  });

  it('counts one failure per request in consecutiveFailures, and a success of any device resets it', async () => {
    const userId = await gw.createUser();
    const a = await addDevice(userId);
    const b = await addDevice(userId);
    const wrong = wrongCodeFor([{ secret: a.secret }, { secret: b.secret }], clock.now());
    await authenticate(userId, wrong);
    await authenticate(userId, wrong);
    const ok = await authenticate(userId, codeOf(b.secret, {}, clock.now()));
    expect(ok.data?.authenticateTotp.user.consecutiveFailures).toBe(0);
  });

  it('refuses a device beyond maxTotpsPerUser with TOTP_LIMIT_REACHED and writes nothing; pending TOTPs fit under the limit, the oldest replaced', async () => {
    const userId = await gw.createUser();
    for (let i = 0; i < 3; i++) await addDevice(userId, `Device ${i}`);
    const before = await totpsOf(userId);
    expect(codes(await create({ userId, label: 'One too many' }))).toEqual(['TOTP_LIMIT_REACHED']);
    expect(await totpsOf(userId)).toEqual(before);

    const other = await gw.createUser();
    await addDevice(other);
    const pending = async (label: string) => {
      clock.advance(1);
      return (await gw.client.data(CreateTotpDeviceDocument, { input: { userId: other, label } })).createTotp;
    };
    await pending('Pending 1');
    const second = await pending('Pending 2');
    expect((await totpsOf(other)).map((t) => [t.verified, t.label])).toEqual([[true, 'Authenticator app'], [false, 'Pending 1'], [false, 'Pending 2']]);
    // The limit (3) has no room for a fourth: the oldest pending one is replaced.
    const third = await pending('Pending 3');
    expect((await totpsOf(other)).map((t) => [t.verified, t.label])).toEqual([[true, 'Authenticator app'], [false, 'Pending 2'], [false, 'Pending 3']]);
    // Each pending device is verified by its own code, no totpId needed, as the first one was.
    for (const device of [second, third]) {
      const verified = await authenticate(other, codeOf(device.secret, {}, clock.now()));
      expect([codes(verified), verified.data?.authenticateTotp.totpId]).toEqual([[], device.totpId]);
    }
    expect(codes(await create({ userId: other }))).toEqual(['TOTP_LIMIT_REACHED']);
  });

  it('recovery codes stay per TOTP: any verified device\'s codes work and name it; deleting a device revokes its codes', async () => {
    const userId = await gw.createUser();
    const a = await addDevice(userId);
    const b = await addDevice(userId);
    const recover = (recoveryCode: string) => gw.client.request(RecoverTotpDeviceDocument, { input: { userId, recoveryCode, sessionDurationMinutes: 60 } });
    const withA = await recover(a.recoveryCodes[0]);
    expect(withA.data?.recoverTotp.totpId).toBe(a.totpId);
    expect(withA.data?.recoverTotp.session?.authenticationFactors[0]).toMatchObject({ type: 'recovery_codes', totpId: a.totpId });
    expect((await recover(b.recoveryCodes[0])).data?.recoverTotp.totpId).toBe(b.totpId);
    expect(codes(await recover(a.recoveryCodes[0]))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);

    const listed = await gw.client.data(TotpRecoveryCodesDocument, { userId });
    expect(listed.totpRecoveryCodes.map((t) => [t.totpId, t.remaining])).toEqual([[a.totpId, 9], [b.totpId, 9]]);
    // Regenerating names a TOTP, or takes the newest verified one.
    const fresh = await gw.client.data(RegenerateTotpDeviceRecoveryCodesDocument, { userId, totpId: a.totpId });
    expect(fresh.regenerateTotpRecoveryCodes).toMatchObject({ totpId: a.totpId, remaining: 10 });
    const newest = await gw.client.data(RegenerateTotpDeviceRecoveryCodesDocument, { userId });
    expect(newest.regenerateTotpRecoveryCodes.totpId).toBe(b.totpId);

    await gw.client.data(DeleteTotpDocument, { totpId: a.totpId });
    expect(codes(await recover(fresh.regenerateTotpRecoveryCodes.recoveryCodes[0]))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    expect((await recover(newest.regenerateTotpRecoveryCodes.recoveryCodes[0])).data?.recoverTotp.totpId).toBe(b.totpId);
  });

  it('under concurrency: parallel creates never exceed the limit, and one code of one device is accepted exactly once', async () => {
    const userId = await gw.createUser();
    const a = await addDevice(userId);
    const b = await addDevice(userId);
    const created = await Promise.all(Array.from({ length: 6 }, (_, i) => create({ userId, label: `Race ${i}` })));
    expect(created.every((r) => codes(r).length === 0)).toBe(true);
    const listed = await totpsOf(userId);
    expect(listed.filter((t) => t.verified).map((t) => t.totpId)).toEqual([a.totpId, b.totpId]);
    expect(listed).toHaveLength(3);

    const code = codeOf(a.secret, {}, clock.now());
    // Replays count as failures: fewer than LOCKOUT_MAX_ATTEMPTS of them, so none is answered as a lock.
    const verdicts = await Promise.all(Array.from({ length: MAX_ATTEMPTS }, () => authenticate(userId, code)));
    expect(verdicts.map((r) => codes(r)[0] ?? 'OK').sort()).toEqual(['OK', ...Array(MAX_ATTEMPTS - 1).fill('TOTP_CODE_ALREADY_AUTHENTICATED')]);
    expect(verdicts.find((r) => !codes(r).length)?.data?.authenticateTotp.totpId).toBe(a.totpId);
  });

  it('a session caller adds a device beside a verified one only after proving a second factor in that session (NIST SP 800-63B §6.1.2.1)', async () => {
    const userId = await gw.createUser();
    const first = await addDevice(userId);
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    const browser = sessionClient(gw.client, gw.project.publicToken, createSession.sessionToken);
    expect(codes(await create({ userId, label: 'Sneaky' }, browser))).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect((await totpsOf(userId)).map((t) => t.totpId)).toEqual([first.totpId]);
    const proven = await browser.request(AuthenticateTotpDeviceDocument, { input: { userId, totpCode: codeOf(first.secret, {}, clock.now()) } });
    expect(codes(proven)).toEqual([]);
    const added = await create({ userId, label: 'New phone' }, browser);
    expect([codes(added), added.data?.createTotp.label]).toEqual([[], 'New phone']);
  });

  it('renameTotp changes a label; a bad label or another project\'s TOTP changes nothing', async () => {
    const userId = await gw.createUser();
    const a = await addDevice(userId);
    const renamed = await gw.client.data(RenameTotpDocument, { input: { totpId: a.totpId, label: ' Old phone ' } });
    expect(renamed.renameTotp).toMatchObject({ totpId: a.totpId, userId, totp: { totpId: a.totpId, label: 'Old phone' } });
    expect(renamed.renameTotp.user.totps[0].label).toBe('Old phone');
    for (const label of ['', '  ', 'x'.repeat(65), 'a\u0007b']) {
      expect(codes(await gw.client.request(RenameTotpDocument, { input: { totpId: a.totpId, label } }))).toEqual(['INVALID_TOTP_LABEL']);
    }
    const other = await gw.newProject();
    expect(codes(await other.client.request(RenameTotpDocument, { input: { totpId: a.totpId, label: 'Mine' } }))).toEqual(['TOTP_NOT_FOUND']);
    expect((await totpsOf(userId))[0].label).toBe('Old phone');
  });
});

describeEachDialect('a project that changes nothing keeps one TOTP per user on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  it('refuses a second TOTP with ACTIVE_TOTP_EXISTS and replaces an unverified one', async () => {
    const { userId, totpId } = await gw.enroll({ verify: true });
    expect(codes(await gw.client.request(CreateTotpDeviceDocument, { input: { userId, label: 'Second' } }))).toEqual(['ACTIVE_TOTP_EXISTS']);
    expect((await gw.client.data(UserTotpsDocument, { userId })).user.totps.map((t) => t.totpId)).toEqual([totpId]);

    const pending = await gw.createUser();
    await gw.client.data(CreateTotpDeviceDocument, { input: { userId: pending } });
    const replacement = await gw.client.data(CreateTotpDeviceDocument, { input: { userId: pending } });
    expect((await gw.client.data(UserTotpsDocument, { userId: pending })).user.totps.map((t) => t.totpId)).toEqual([replacement.createTotp.totpId]);
  });
});
