// TOTP over real HTTP: enrollment payload, expiry, the ±1 step window, replays, recovery codes and deletion.
import { randomUUID } from 'node:crypto';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import {
  AuthenticateTotpDocument,
  CreateTotpDocument,
  DeleteTotpDocument,
  GetUserDocument,
  RecoverTotpDocument,
  RegenerateTotpRecoveryCodesDocument,
  SessionsDocument,
  TotpRecoveryCodesDocument,
  type RecoverTotpInput,
} from '../../client';
import { describeEachDialect, codes, startGateway, totpCode, type TestGateway } from '../support/gateway';

const TOTP_ID = /^totp-[0-9a-f-]{36}$/;
const RECOVERY_CODE = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
const PROJECT_NAME = 'Acme Test'; // the factory's default project
const MINUTE = 60_000;

const otpauthUri = (issuer: string, account: string, secret: string) =>
  `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?secret=${secret}` +
  `&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;

/** The text a QR reader gets from a data:image/png;base64 URL. */
function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describeEachDialect('TOTP on %s', (dialect) => {
  // The gateway's clock, frozen mid-step: a code computed here is judged in the same 30 s step, so the
  // window tests cannot straddle a step boundary. Tests move it forward by whole steps only.
  const clock = { t: 0, now() { return this.t; } };
  let gw: TestGateway;

  beforeAll(async () => {
    clock.t = Math.floor(Date.now() / 30_000) * 30_000 + 15_000;
    gw = await startGateway({ dialect, clock });
  });
  afterAll(() => gw?.close());

  const code = (secret: string, steps = 0) => totpCode(secret, steps, clock.t);
  const unknownUserId = () => `user-${randomUUID()}`;
  const count = async (table: string): Promise<number> => {
    const rows: Array<{ n: number | string }> = await gw.gateway.db.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(rows[0].n);
  };
  const createTotp = async (userId: string, expirationMinutes?: number) =>
    (await gw.client.data(CreateTotpDocument, { input: { userId, expirationMinutes } })).createTotp;
  const authenticate = (userId: string, totpCode: string) => gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode } });
  const recover = (userId: string, recoveryCode: string, extra: Partial<RecoverTotpInput> = {}) =>
    gw.client.request(RecoverTotpDocument, { input: { userId, recoveryCode, ...extra } });
  const recoveryCodesOf = async (userId: string) => (await gw.client.data(TotpRecoveryCodesDocument, { userId })).totpRecoveryCodes;
  const totpsOf = async (userId: string) => (await gw.client.data(GetUserDocument, { userId })).user.totps;
  /** A user with a fresh TOTP; `verify` uses the previous step's code, so steps 0 and +1 stay unused. */
  const enroll = async ({ verify = false } = {}) => {
    const userId = await gw.createUser();
    const totp = await createTotp(userId);
    if (verify) expect(codes(await authenticate(userId, code(totp.secret, -1)))).toEqual([]);
    return { ...totp, userId };
  };

  describe('createTotp', () => {
    it('returns the secret, the otpauth URI, QR codes of it and ten recovery codes', async () => {
      const email = `ada+${randomUUID().slice(0, 8)}@example.com`;
      const userId = await gw.createUser({ email });
      const totp = await createTotp(userId);

      expect(totp.totpId).toMatch(TOTP_ID);
      expect(totp.userId).toBe(userId);
      expect(totp.secret).toMatch(/^[A-Z2-7]{32}$/); // base32 of 20 bytes, unpadded
      expect(totp.otpauthUri).toBe(otpauthUri(PROJECT_NAME, email, totp.secret));
      expect(totp.qrCode.startsWith('data:image/png;base64,')).toBe(true);
      expect(decodeQr(totp.qrCode)).toBe(totp.otpauthUri);
      expect(totp.qrCodeSvg).toContain('<svg');
      expect(totp.recoveryCodes).toHaveLength(10);
      expect(new Set(totp.recoveryCodes).size).toBe(10);
      for (const c of totp.recoveryCodes) expect(c).toMatch(RECOVERY_CODE);
      expect(totp.user.totps).toEqual([{ totpId: totp.totpId, verified: false }]);
      expect(await totpsOf(userId)).toEqual([{ totpId: totp.totpId, verified: false }]);
    });

    it('gives every enrollment its own secret and recovery codes', async () => {
      const [a, b] = [await enroll(), await enroll()];
      expect(a.secret).not.toBe(b.secret);
      expect(a.recoveryCodes.filter((c) => b.recoveryCodes.includes(c))).toEqual([]);
    });

    it('names the account by phone number when the user has no email', async () => {
      const userId = await gw.createUser({ email: null, phoneNumber: '+15555550123' });
      const totp = await createTotp(userId);
      expect(totp.otpauthUri).toBe(otpauthUri(PROJECT_NAME, '+15555550123', totp.secret));
      expect(totp.otpauthUri).toContain(':%2B15555550123?');
      expect(decodeQr(totp.qrCode)).toBe(totp.otpauthUri);
    });

    it('names the account by user id when the user has neither email nor phone number', async () => {
      const userId = await gw.createUser({ email: null, phoneNumber: '+15555550124' });
      // The API cannot make such a user (createUser needs one of them), so the phone is cleared here.
      await gw.gateway.db.dataSource.query(`UPDATE users SET phone_number = NULL WHERE id = '${userId}'`);
      const totp = await createTotp(userId);
      expect(totp.otpauthUri).toBe(otpauthUri(PROJECT_NAME, userId, totp.secret));
      expect(decodeQr(totp.qrCode)).toBe(totp.otpauthUri);
    });

    it("uses the calling project's name as issuer, URI-encoded", async () => {
      const other = await gw.newProject('Smith & Sons / Ops');
      const email = `ops-${randomUUID().slice(0, 8)}@example.com`;
      const userId = await gw.createUser({ email }, other.client);
      const { createTotp: totp } = await other.client.data(CreateTotpDocument, { input: { userId } });
      expect(totp.otpauthUri).toBe(otpauthUri('Smith & Sons / Ops', email, totp.secret));
      expect(decodeQr(totp.qrCode)).toBe(totp.otpauthUri);
    });

    it('refuses a malformed, unknown or foreign user id', async () => {
      const foreign = await gw.createUser({}, (await gw.newProject()).client);
      const before = await count('totps');
      expect(codes(await gw.client.request(CreateTotpDocument, { input: { userId: '' } }))).toEqual(['INVALID_USER_ID']);
      expect(codes(await gw.client.request(CreateTotpDocument, { input: { userId: unknownUserId() } }))).toEqual(['USER_NOT_FOUND']);
      expect(codes(await gw.client.request(CreateTotpDocument, { input: { userId: foreign } }))).toEqual(['USER_NOT_FOUND']);
      expect(await count('totps')).toBe(before);
    });
  });

  describe('expirationMinutes', () => {
    it.each([4, 1441, 0, -5])('refuses %i with INVALID_EXPIRATION and writes nothing', async (minutes) => {
      const { userId, totpId } = await enroll();
      const before = await count('totps');
      const response = await gw.client.request(CreateTotpDocument, { input: { userId, expirationMinutes: minutes } });
      expect(codes(response)).toEqual(['INVALID_EXPIRATION']);
      expect(await count('totps')).toBe(before);
      // The pending TOTP the refused call would have replaced is still there.
      expect(await totpsOf(userId)).toEqual([{ totpId, verified: false }]);
    });

    it.each([5, 1440])('accepts %i', async (minutes) => {
      const userId = await gw.createUser();
      const response = await gw.client.request(CreateTotpDocument, { input: { userId, expirationMinutes: minutes } });
      expect(codes(response)).toEqual([]);
      expect(response.data?.createTotp.totpId).toMatch(TOTP_ID);
    });
  });

  describe('replacing and re-enrolling', () => {
    it('replaces an unverified TOTP, then refuses a new one once verified (ACTIVE_TOTP_EXISTS)', async () => {
      const userId = await gw.createUser();
      const first = await createTotp(userId);
      const second = await createTotp(userId);
      expect(second.totpId).not.toBe(first.totpId);
      expect(second.secret).not.toBe(first.secret);
      expect(second.user.totps).toEqual([{ totpId: second.totpId, verified: false }]);
      expect(await totpsOf(userId)).toEqual([{ totpId: second.totpId, verified: false }]);

      // The replaced secret's codes no longer work.
      expect(codes(await authenticate(userId, code(first.secret)))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
      const { data } = await authenticate(userId, code(second.secret));
      expect(data?.authenticateTotp.totpId).toBe(second.totpId);
      expect(await totpsOf(userId)).toEqual([{ totpId: second.totpId, verified: true }]);

      const before = await count('totps');
      expect(codes(await gw.client.request(CreateTotpDocument, { input: { userId } }))).toEqual(['ACTIVE_TOTP_EXISTS']);
      expect(await count('totps')).toBe(before);
      expect(await totpsOf(userId)).toEqual([{ totpId: second.totpId, verified: true }]);
      // The verified TOTP is untouched by the refused create.
      expect(codes(await authenticate(userId, code(second.secret, 1)))).toEqual([]);
    });
  });

  describe('expiry of unverified TOTPs', () => {
    it('refuses even a correct code once an unverified TOTP has expired (TOTP_EXPIRED)', async () => {
      const userId = await gw.createUser();
      const totp = await createTotp(userId, 5);
      clock.t += 6 * MINUTE;
      expect(codes(await authenticate(userId, code(totp.secret)))).toEqual(['TOTP_EXPIRED']);
      expect(await totpsOf(userId)).toEqual([{ totpId: totp.totpId, verified: false }]);
      // A new enrollment replaces the expired one and works.
      const fresh = await createTotp(userId, 5);
      expect(fresh.user.totps).toEqual([{ totpId: fresh.totpId, verified: false }]);
      expect(codes(await authenticate(userId, code(fresh.secret)))).toEqual([]);
    });

    it('accepts a code before the expiration time', async () => {
      const userId = await gw.createUser();
      const totp = await createTotp(userId, 5);
      clock.t += 4 * MINUTE;
      expect(codes(await authenticate(userId, code(totp.secret)))).toEqual([]);
    });

    it('keeps a verified TOTP working after its expiration time', async () => {
      const userId = await gw.createUser();
      const totp = await createTotp(userId, 5);
      expect(codes(await authenticate(userId, code(totp.secret)))).toEqual([]);
      clock.t += 6 * MINUTE;
      const { data, errors } = await authenticate(userId, code(totp.secret));
      expect(errors).toBeUndefined();
      expect(data?.authenticateTotp.user.totps).toEqual([{ totpId: totp.totpId, verified: true }]);
    });
  });

  describe('authenticateTotp', () => {
    it.each([-1, 0, 1])('accepts the code of step %i, verifies the TOTP and makes no session', async (steps) => {
      const { userId, totpId, secret } = await enroll();
      const response = await authenticate(userId, code(secret, steps));
      expect(codes(response)).toEqual([]);
      expect(response.data?.authenticateTotp).toMatchObject({
        userId,
        totpId,
        user: { userId, totps: [{ totpId, verified: true }] },
        session: null,
        sessionToken: null,
        sessionJwt: null,
      });
      expect(await totpsOf(userId)).toEqual([{ totpId, verified: true }]);
      expect((await gw.client.data(SessionsDocument, { userId })).sessions).toEqual([]);
    });

    it.each([-2, 2])('refuses the code of step %i (UNABLE_TO_AUTHENTICATE_TOTP)', async (steps) => {
      const { userId, totpId, secret } = await enroll();
      expect(codes(await authenticate(userId, code(secret, steps)))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
      expect(await totpsOf(userId)).toEqual([{ totpId, verified: false }]);
    });

    it('refuses a wrong 6-digit code (UNABLE_TO_AUTHENTICATE_TOTP)', async () => {
      const { userId, secret } = await enroll({ verify: true });
      const window = [-1, 0, 1].map((s) => code(secret, s));
      let wrong = 0;
      while (window.includes(String(wrong).padStart(6, '0'))) wrong++;
      expect(codes(await authenticate(userId, String(wrong).padStart(6, '0')))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    });

    it('accepts each code once: a replay, or an older code after a newer one, is TOTP_CODE_ALREADY_AUTHENTICATED', async () => {
      const { userId, secret } = await enroll();
      expect(codes(await authenticate(userId, code(secret, 0)))).toEqual([]);
      expect(codes(await authenticate(userId, code(secret, 0)))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
      expect(codes(await authenticate(userId, code(secret, -1)))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
      expect(codes(await authenticate(userId, code(secret, 1)))).toEqual([]);
      expect(codes(await authenticate(userId, code(secret, 1)))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
      expect(codes(await authenticate(userId, code(secret, 0)))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    });

    it('refuses codes that are not 6 digits, and recovery codes, with INVALID_TOTP_CODE', async () => {
      const { userId, secret, recoveryCodes } = await enroll({ verify: true });
      for (const bad of ['12345', '1234567', 'abcdef', '', '12 345', recoveryCodes[0], recoveryCodes[1].toUpperCase()]) {
        expect([bad, codes(await authenticate(userId, bad))]).toEqual([bad, ['INVALID_TOTP_CODE']]);
      }
      // The recovery code given as a TOTP code was not spent, and the TOTP still works.
      expect(codes(await recover(userId, recoveryCodes[0]))).toEqual([]);
      expect(codes(await authenticate(userId, code(secret)))).toEqual([]);
    });

    it('answers INVALID_USER_ID, USER_NOT_FOUND and TOTP_NOT_FOUND for the wrong user', async () => {
      expect(codes(await authenticate('', '123456'))).toEqual(['INVALID_USER_ID']);
      expect(codes(await authenticate(unknownUserId(), '123456'))).toEqual(['USER_NOT_FOUND']);
      const withoutTotp = await gw.createUser();
      expect(codes(await authenticate(withoutTotp, '123456'))).toEqual(['TOTP_NOT_FOUND']);
    });
  });

  describe('recoverTotp', () => {
    it('accepts each recovery code once, in any letter case', async () => {
      const { userId, totpId, recoveryCodes } = await enroll({ verify: true });
      const first = await recover(userId, recoveryCodes[0]);
      expect(codes(first)).toEqual([]);
      expect(first.data?.recoverTotp).toMatchObject({ userId, totpId, session: null, sessionToken: null, sessionJwt: null });
      expect(codes(await recover(userId, recoveryCodes[0]))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);

      expect(codes(await recover(userId, recoveryCodes[1].toUpperCase()))).toEqual([]);
      expect(codes(await recover(userId, recoveryCodes[1]))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    });

    it('refuses a TOTP code and garbage with INVALID_RECOVERY_CODE', async () => {
      const { userId, secret } = await enroll({ verify: true });
      expect(codes(await recover(userId, code(secret)))).toEqual(['INVALID_RECOVERY_CODE']);
      for (const bad of ['garbage', 'abcd-efgh', 'abcd-efgh-ijk!', 'abcdefghijk', 'abcd_efgh_ijkl', '']) {
        expect([bad, codes(await recover(userId, bad))]).toEqual([bad, ['INVALID_RECOVERY_CODE']]);
      }
      // The TOTP code given as a recovery code was not spent.
      expect(codes(await authenticate(userId, code(secret)))).toEqual([]);
    });

    it("refuses a well-formed unknown code and another user's code", async () => {
      const { userId } = await enroll({ verify: true });
      const other = await enroll({ verify: true });
      expect(codes(await recover(userId, 'aaaa-bbbb-cccc'))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
      expect(codes(await recover(userId, other.recoveryCodes[0]))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
      expect(codes(await recover(other.userId, other.recoveryCodes[0]))).toEqual([]);
    });

    it('starts a session whose factor is the recovery code', async () => {
      const { userId, totpId, recoveryCodes } = await enroll({ verify: true });
      const response = await recover(userId, recoveryCodes[2], { sessionDurationMinutes: 60 });
      expect(codes(response)).toEqual([]);
      const payload = response.data!.recoverTotp;
      expect(payload.sessionToken).toEqual(expect.any(String));
      expect(payload.sessionJwt).toEqual(expect.any(String));
      expect(payload.session?.userId).toBe(userId);
      expect(payload.session?.authenticationFactors).toEqual([
        expect.objectContaining({ type: 'recovery_codes', deliveryMethod: 'recovery_code', totpId }),
      ]);
    });

    it('answers TOTP_NOT_FOUND while the TOTP is unverified or missing, and checks the user id', async () => {
      const pending = await enroll();
      expect(codes(await recover(pending.userId, pending.recoveryCodes[0]))).toEqual(['TOTP_NOT_FOUND']);
      expect(codes(await recover(await gw.createUser(), 'aaaa-bbbb-cccc'))).toEqual(['TOTP_NOT_FOUND']);
      expect(codes(await recover('', 'aaaa-bbbb-cccc'))).toEqual(['INVALID_USER_ID']);
      expect(codes(await recover(unknownUserId(), 'aaaa-bbbb-cccc'))).toEqual(['USER_NOT_FOUND']);
    });
  });

  describe('totpRecoveryCodes and regenerateTotpRecoveryCodes', () => {
    it('reports what is left, never the hashed codes themselves', async () => {
      const { userId, totpId, recoveryCodes } = await enroll({ verify: true });
      expect(await recoveryCodesOf(userId)).toEqual([{ totpId, verified: true, recoveryCodes: [], remaining: 10 }]);
      expect(codes(await recover(userId, recoveryCodes[5]))).toEqual([]);
      expect(await recoveryCodesOf(userId)).toEqual([{ totpId, verified: true, recoveryCodes: [], remaining: 9 }]);
    });

    it('lists an unverified TOTP as unverified, and nothing for a user without one', async () => {
      const { userId, totpId } = await enroll();
      expect(await recoveryCodesOf(userId)).toEqual([{ totpId, verified: false, recoveryCodes: [], remaining: 10 }]);
      expect(await recoveryCodesOf(await gw.createUser())).toEqual([]);
      expect(codes(await gw.client.request(TotpRecoveryCodesDocument, { userId: '' }))).toEqual(['INVALID_USER_ID']);
      expect(codes(await gw.client.request(TotpRecoveryCodesDocument, { userId: unknownUserId() }))).toEqual(['USER_NOT_FOUND']);
    });

    it('regenerates ten fresh codes once and voids the old ones', async () => {
      const { userId, totpId, recoveryCodes: old } = await enroll({ verify: true });
      expect(codes(await recover(userId, old[0]))).toEqual([]);
      const { regenerateTotpRecoveryCodes: fresh } = await gw.client.data(RegenerateTotpRecoveryCodesDocument, { userId });
      expect(fresh).toMatchObject({ totpId, verified: true, remaining: 10 });
      expect(fresh.recoveryCodes).toHaveLength(10);
      expect(new Set(fresh.recoveryCodes).size).toBe(10);
      for (const c of fresh.recoveryCodes) expect(c).toMatch(RECOVERY_CODE);
      expect(fresh.recoveryCodes.filter((c) => old.includes(c))).toEqual([]);

      expect(await recoveryCodesOf(userId)).toEqual([{ totpId, verified: true, recoveryCodes: [], remaining: 10 }]);
      for (const c of [old[1], old[9]]) expect(codes(await recover(userId, c))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
      expect(codes(await recover(userId, fresh.recoveryCodes[0]))).toEqual([]);
      expect(await recoveryCodesOf(userId)).toEqual([{ totpId, verified: true, recoveryCodes: [], remaining: 9 }]);
    });

    it('refuses to regenerate without a TOTP or with a bad user id', async () => {
      const regenerate = (userId: string) => gw.client.request(RegenerateTotpRecoveryCodesDocument, { userId });
      expect(codes(await regenerate(await gw.createUser()))).toEqual(['TOTP_NOT_FOUND']);
      expect(codes(await regenerate(''))).toEqual(['INVALID_USER_ID']);
      expect(codes(await regenerate(unknownUserId()))).toEqual(['USER_NOT_FOUND']);
    });
  });

  describe('deleteTotp', () => {
    it('deletes the TOTP, after which it is not found and the user may enroll again', async () => {
      const { userId, totpId, secret, recoveryCodes } = await enroll({ verify: true });
      const { deleteTotp } = await gw.client.data(DeleteTotpDocument, { totpId });
      expect(deleteTotp).toEqual({ totpId, userId });

      expect(await totpsOf(userId)).toEqual([]);
      expect(codes(await authenticate(userId, code(secret)))).toEqual(['TOTP_NOT_FOUND']);
      expect(codes(await recover(userId, recoveryCodes[0]))).toEqual(['TOTP_NOT_FOUND']);
      expect(await recoveryCodesOf(userId)).toEqual([]);
      expect(codes(await gw.client.request(DeleteTotpDocument, { totpId }))).toEqual(['TOTP_NOT_FOUND']);

      const again = await createTotp(userId);
      expect(again.totpId).not.toBe(totpId);
      expect(again.user.totps).toEqual([{ totpId: again.totpId, verified: false }]);
      expect(codes(await authenticate(userId, code(again.secret)))).toEqual([]);
    });

    it('refuses a malformed, unknown or foreign TOTP id', async () => {
      expect(codes(await gw.client.request(DeleteTotpDocument, { totpId: 'bad' }))).toEqual(['INVALID_TOTP_ID']);
      expect(codes(await gw.client.request(DeleteTotpDocument, { totpId: `user-${randomUUID()}` }))).toEqual(['INVALID_TOTP_ID']);
      expect(codes(await gw.client.request(DeleteTotpDocument, { totpId: `totp-${randomUUID()}` }))).toEqual(['TOTP_NOT_FOUND']);
      const other = await gw.newProject();
      const userId = await gw.createUser({}, other.client);
      const { createTotp: foreign } = await other.client.data(CreateTotpDocument, { input: { userId } });
      expect(codes(await gw.client.request(DeleteTotpDocument, { totpId: foreign.totpId }))).toEqual(['TOTP_NOT_FOUND']);
      expect((await other.client.data(GetUserDocument, { userId })).user.totps).toEqual([{ totpId: foreign.totpId, verified: false }]);
    });
  });

  describe('with RECOVERY_CODES_RETRIEVABLE=true', () => {
    let retrievable: TestGateway;
    beforeAll(async () => {
      retrievable = await startGateway({ dialect, clock, env: { RECOVERY_CODES_RETRIEVABLE: 'true' } });
    });
    afterAll(() => retrievable?.close());

    it('returns the unused codes themselves', async () => {
      const client = retrievable.client;
      const userId = await retrievable.createUser();
      const { createTotp: totp } = await client.data(CreateTotpDocument, { input: { userId } });
      await client.data(AuthenticateTotpDocument, { input: { userId, totpCode: code(totp.secret, -1) } });
      const list = async () => (await client.data(TotpRecoveryCodesDocument, { userId })).totpRecoveryCodes;
      const sorted = (xs: string[]) => [...xs].sort();

      const [all] = await list();
      expect(all).toMatchObject({ totpId: totp.totpId, verified: true, remaining: 10 });
      expect(sorted(all.recoveryCodes)).toEqual(sorted(totp.recoveryCodes));

      const used = totp.recoveryCodes[3];
      await client.data(RecoverTotpDocument, { input: { userId, recoveryCode: used } });
      const [left] = await list();
      expect(left.remaining).toBe(9);
      expect(sorted(left.recoveryCodes)).toEqual(sorted(totp.recoveryCodes.filter((c) => c !== used)));

      const { regenerateTotpRecoveryCodes: fresh } = await client.data(RegenerateTotpRecoveryCodesDocument, { userId });
      const [after] = await list();
      expect(after.remaining).toBe(10);
      expect(sorted(after.recoveryCodes)).toEqual(sorted(fresh.recoveryCodes));
    });
  });
});
