// Codes as people type them, over GraphQL and REST: grouped or padded TOTP codes and recovery codes in any case, without hyphens or misread off paper are accepted; malformed ones are refused as INVALID_* and spend no lockout attempt; codes issued before the Crockford alphabet still work.
import { randomInt } from 'node:crypto';
import { AuthenticateTotpDocument, GetUserDocument, RecoverTotpDocument, RegenerateTotpRecoveryCodesDocument } from '../../client';
import { createKeyring } from '../../src/crypto/keyring';
import { KeyedHasher } from '../../src/crypto/keyed-hash';
import { RecoveryCode } from '../../src/totp/recovery-code.entity';
import { describeEachDialect, codes, startGateway, totpCode, type Enrollment, type TestGateway } from '../support/gateway';

/** A low lockout threshold: three counted failures lock, so a malformed code that counted would show. */
const MAX_ATTEMPTS = 3;
const LOCKED = 'USER_LOCK_LIMIT_REACHED';

/** A 6-digit code no nearby step of `secret` has, so it is surely wrong. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

/** A well-formed recovery code that is none of the user's. */
const wrongRecoveryCode = (e: Enrollment) => (e.recoveryCodes.includes('zzzz-zzzz-zzzz') ? 'yyyy-yyyy-yyyy' : 'zzzz-zzzz-zzzz');

/** `559906` as `559 906` (or with another separator between the groups of three). */
const grouped = (code: string, separator = ' ') => `${code.slice(0, 3)}${separator}${code.slice(3)}`;

/** A recovery code as read off paper: upper case, spaces, and every 0 written O and 1 written l. */
const misread = (code: string) => code.toUpperCase().replace(/-/g, ' ').replace(/0/g, 'O').replace(/1/g, 'l');

describeEachDialect('codes as typed on %s', (dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
  });
  afterAll(() => gw?.close());

  const authenticate = (userId: string, totpCode: string) => gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode } });
  const recover = (userId: string, recoveryCode: string) => gw.client.request(RecoverTotpDocument, { input: { userId, recoveryCode } });
  const isLocked = async (userId: string) => (await gw.client.data(GetUserDocument, { userId })).user.isLocked;

  describe('GraphQL', () => {
    it.each([
      ['559 906', grouped],
      [' 559906 ', (c: string) => ` ${c} `],
      ['559906 + newline', (c: string) => `${c}\n`],
      ['559<NBSP>906', (c: string) => grouped(c, '\u00a0')],
      ['559<narrow NBSP>906', (c: string) => grouped(c, '\u202f')],
      ['559<NEL>906', (c: string) => grouped(c, '\u0085')],
      ['<ideographic space>559<ogham space>906', (c: string) => `\u3000${grouped(c, '\u1680')}`],
      ['559-906', (c: string) => grouped(c, '-')],
      ['559.906', (c: string) => grouped(c, '.')],
    ])('accepts a TOTP code typed as %s', async (_label, typed) => {
      const e = await gw.enroll({ verify: true });
      expect(codes(await authenticate(e.userId, typed(totpCode(e.secret))))).toEqual([]);
    });

    it('refuses malformed TOTP codes as INVALID_TOTP_CODE without spending an attempt', async () => {
      const e = await gw.enroll({ verify: true });
      const code = totpCode(e.secret);
      for (const bad of [code.slice(1), `${code}1`, grouped(code.slice(1)), '５５９９０６', `${code.slice(0, 5)}a`, grouped(code, '_'), '', ' ']) {
        expect([bad, codes(await authenticate(e.userId, bad))]).toEqual([bad, ['INVALID_TOTP_CODE']]);
      }
      // A recovery code typed into the TOTP field is named as such, and not spent.
      const asTotp = await authenticate(e.userId, e.recoveryCodes[0].toUpperCase().replace(/-/g, ' '));
      expect(asTotp.errors?.[0].extensions).toMatchObject({ code: 'INVALID_TOTP_CODE', reason: 'recovery_code_given' });
      // None of the ten refusals counted: two wrong codes leave the user one short of the lock.
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++) expect(codes(await authenticate(e.userId, grouped(wrongCode(e.secret))))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
      expect(await isLocked(e.userId)).toBe(false);
      expect(codes(await authenticate(e.userId, grouped(code)))).toEqual([]);
      expect(codes(await recover(e.userId, e.recoveryCodes[0]))).toEqual([]);
    });

    it('accepts recovery codes in any case, without hyphens, with spaces or dashes, and each still once', async () => {
      const e = await gw.enroll({ verify: true });
      const [a, b, c, d] = e.recoveryCodes;
      const typings = [a.toUpperCase().replace(/-/g, ' '), b.replace(/-/g, ''), ` ${c.toUpperCase().replace(/-/g, '\u2013')}\n`, d.replace(/-/g, '\u00a0')];
      for (const typed of typings) expect([typed, codes(await recover(e.userId, typed))]).toEqual([typed, []]);
      // Spent, however they were typed (two replays: a third failure would lock this user).
      for (const code of [a, d]) expect(codes(await recover(e.userId, code))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
      expect(codes(await recover(e.userId, e.recoveryCodes[4]))).toEqual([]);
      for (const code of [b, c]) expect(codes(await recover(e.userId, code))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    });

    it('accepts a new recovery code read off paper with O for 0 and l for 1', async () => {
      const e = await gw.enroll({ verify: true });
      // Codes are random: regenerate until one holds a 0 or a 1 (more than half of all codes do).
      let held = e.recoveryCodes;
      while (!held.some((code) => /[01]/.test(code))) held = (await gw.client.data(RegenerateTotpRecoveryCodesDocument, { userId: e.userId })).regenerateTotpRecoveryCodes.recoveryCodes;
      const code = held.find((candidate) => /[01]/.test(candidate))!;
      expect(misread(code)).toMatch(/[OL]/i);
      expect(codes(await recover(e.userId, misread(code)))).toEqual([]);
      expect(codes(await recover(e.userId, code))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    });

    it('still accepts codes issued before the Crockford alphabet (with o, i, l, u), as issued, in any case and without hyphens', async () => {
      const e = await gw.enroll({ verify: true });
      // Stored as an older release stored them: the keyed hash of the lowercase xxxx-xxxx-xxxx form.
      const hasher = new KeyedHasher(createKeyring(gw.config.encryption.key, gw.config.encryption.previousKeys));
      const legacy = ['ww3o-ssmt-nzi1', 'lu0i-1l0o-abcd', 'uuuu-iiii-llll'];
      const repository = gw.gateway.db.dataSource.getRepository(RecoveryCode);
      for (const [position, code] of legacy.entries()) await repository.update({ totpId: e.totpId, position }, { codeHash: hasher.hash(code) });
      expect(codes(await recover(e.userId, 'WW3O SSMT NZI1'))).toEqual([]);
      expect(codes(await recover(e.userId, 'ww3ossmtnzi1'))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']); // used once already
      expect(codes(await recover(e.userId, 'lu0i1l0oabcd'))).toEqual([]);
      expect(codes(await recover(e.userId, 'UUUU-IIII-LLLL'))).toEqual([]);
      expect(codes(await recover(e.userId, e.recoveryCodes[3]))).toEqual([]);
    });

    it('refuses malformed recovery codes as INVALID_RECOVERY_CODE without spending an attempt', async () => {
      const e = await gw.enroll({ verify: true });
      const code = e.recoveryCodes[0];
      for (const bad of ['garbage', code.slice(0, -1), `${code}x`, code.replace(/-/g, '_'), 'ａｂｃｄ-efgh-jkmn', `${code.slice(0, -1)}!`, '']) {
        expect([bad, codes(await recover(e.userId, bad))]).toEqual([bad, ['INVALID_RECOVERY_CODE']]);
      }
      // A TOTP code typed into the recovery field is named as such, and not spent.
      const totp = totpCode(e.secret);
      const asRecovery = await recover(e.userId, grouped(totp));
      expect(asRecovery.errors?.[0].extensions).toMatchObject({ code: 'INVALID_RECOVERY_CODE', reason: 'totp_code_given' });
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++) expect(codes(await recover(e.userId, wrongRecoveryCode(e)))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
      expect(await isLocked(e.userId)).toBe(false);
      expect(codes(await recover(e.userId, code.toUpperCase()))).toEqual([]);
      expect(codes(await authenticate(e.userId, totp))).toEqual([]);
    });

    it('counts well-formed wrong codes typed with separators: the lock still comes', async () => {
      const e = await gw.enroll({ verify: true });
      for (let i = 0; i < MAX_ATTEMPTS; i++) expect(codes(await authenticate(e.userId, ` ${grouped(wrongCode(e.secret))} `))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
      expect(codes(await recover(e.userId, misread(e.recoveryCodes[0])))).toEqual([LOCKED]);
    });
  });

  describe('REST', () => {
    const post = async (path: string, body: Record<string, unknown>) => {
      const response = await fetch(`${gw.url}/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const outcome = (r: { status: number; body: Record<string, unknown> }) => (r.status === 200 ? 'OK' : String(r.body.error_type));

    it('POST /v1/totps/authenticate takes `559 906` and ` 559906 `, and refuses malformed codes without spending attempts', async () => {
      const e = await gw.enroll({ verify: true });
      for (const bad of ['５５９９０６', grouped(totpCode(e.secret).slice(1)), 'abc def', '']) {
        expect([bad, outcome(await post('/totps/authenticate', { user_id: e.userId, totp_code: bad }))]).toEqual([bad, 'invalid_totp_code']);
      }
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++) expect(outcome(await post('/totps/authenticate', { user_id: e.userId, totp_code: grouped(wrongCode(e.secret)) }))).toBe('unable_to_authenticate_totp');
      expect(outcome(await post('/totps/authenticate', { user_id: e.userId, totp_code: grouped(totpCode(e.secret)) }))).toBe('OK');
      expect(outcome(await post('/totps/authenticate', { user_id: e.userId, totp_code: ` ${totpCode(e.secret, 1)} ` }))).toBe('OK');
      const nel = await gw.enroll({ verify: true }); // U+0085 (NEL) is a Unicode space too, though JavaScript's \s misses it
      expect(outcome(await post('/totps/authenticate', { user_id: nel.userId, totp_code: `\u0085${grouped(totpCode(nel.secret), '\u0085')}` }))).toBe('OK');
    });

    it('POST /v1/totps/recover takes codes in any case, without hyphens, misread, and refuses malformed ones without spending attempts', async () => {
      const e = await gw.enroll({ verify: true });
      for (const bad of ['garbage', e.recoveryCodes[0].slice(1), grouped(totpCode(e.secret))]) {
        expect([bad, outcome(await post('/totps/recover', { user_id: e.userId, recovery_code: bad }))]).toEqual([bad, 'invalid_recovery_code']);
      }
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++) expect(outcome(await post('/totps/recover', { user_id: e.userId, recovery_code: wrongRecoveryCode(e) }))).toBe('unable_to_authenticate_recovery_code');
      expect(outcome(await post('/totps/recover', { user_id: e.userId, recovery_code: e.recoveryCodes[0].toUpperCase().replace(/-/g, ' ') }))).toBe('OK');
      expect(outcome(await post('/totps/recover', { user_id: e.userId, recovery_code: e.recoveryCodes[1].replace(/-/g, '') }))).toBe('OK');
      expect(outcome(await post('/totps/recover', { user_id: e.userId, recovery_code: misread(e.recoveryCodes[2]) }))).toBe('OK');
      expect(outcome(await post('/totps/recover', { user_id: e.userId, recovery_code: e.recoveryCodes[2] }))).toBe('unable_to_authenticate_recovery_code');
    });
  });
});
