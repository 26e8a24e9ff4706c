// Threat: online attacks on the second factor — replaying a used TOTP or recovery code (sequentially or in a race) and brute-forcing codes past the per-user lockout (parallel, aliased or batched).
import { randomInt } from 'node:crypto';
import { AuthenticateTotpDocument, GetUserDocument, RecoverTotpDocument, TotpRecoveryCodesDocument } from '../../client';
import type { Clock } from '../../src/common/clock';
import { describeEachDialect, codes, startGateway, totpCode, type Enrollment, type TestGateway } from '../support/gateway';

const HOUR_MS = 60 * 60 * 1000;
const UNABLE = 'UNABLE_TO_AUTHENTICATE_TOTP';
const UNABLE_RECOVERY = 'UNABLE_TO_AUTHENTICATE_RECOVERY_CODE';
const REPLAY = 'TOTP_CODE_ALREADY_AUTHENTICATED';
const LOCKED = 'USER_LOCK_LIMIT_REACHED';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A 6-digit code the server cannot accept around `nowMs`: it differs from the codes of steps -1, 0
 * and +1, and of -2 and +2 too, so a step boundary passing mid-request cannot make it valid.
 */
function wrongCode(secret: string, nowMs = Date.now()): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps, nowMs)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

/** A well-formed recovery code (xxxx-xxxx-xxxx) that is none of the user's. */
function wrongRecoveryCode(enrollment: Enrollment): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    const chars = Array.from({ length: 12 }, () => alphabet[randomInt(0, alphabet.length)]).join('');
    const guess = `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
    if (!enrollment.recoveryCodes.includes(guess)) return guess;
  }
}

type ErrorLike = { extensions?: { code?: string; [key: string]: unknown }; path?: ReadonlyArray<string | number> };
type RawResult = { data?: Record<string, unknown> | null; errors?: ErrorLike[] };

/** 'OK' for an accepted attempt (data present, no errors), otherwise its error code(s). */
function verdict(response: { data?: unknown; errors?: ErrorLike[] }, field = 'authenticateTotp'): string {
  const data = response.data as Record<string, unknown> | null | undefined;
  const errorCodes = codes(response);
  if (errorCodes.length === 0 && data?.[field]) return 'OK';
  return errorCodes.join(',') || 'NO_DATA_NO_ERROR';
}

const authenticate = (gw: TestGateway, userId: string, code: string) =>
  gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: code } });

const recover = (gw: TestGateway, userId: string, recoveryCode: string) =>
  gw.client.request(RecoverTotpDocument, { input: { userId, recoveryCode } });

/** Sequential wrong TOTP guesses; returns each attempt's verdict. */
async function guessWrong(gw: TestGateway, enrollment: Enrollment, count: number, nowMs?: () => number): Promise<string[]> {
  const verdicts: string[] = [];
  for (let i = 0; i < count; i++) {
    verdicts.push(verdict(await authenticate(gw, enrollment.userId, wrongCode(enrollment.secret, nowMs?.()))));
  }
  return verdicts;
}

/** POSTs a raw JSON body (single operation or batch) with the default project's credentials. */
async function postRaw(gw: TestGateway, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const AUTHENTICATE_QUERY = 'mutation Guess($input: AuthenticateTotpInput!) { authenticateTotp(input: $input) { userId } }';
const batchOf = (userId: string, totpCodes: string[]) =>
  totpCodes.map((code) => ({ query: AUTHENTICATE_QUERY, variables: { input: { userId, totpCode: code } } }));

async function lockState(gw: TestGateway, userId: string): Promise<{ isLocked: boolean; lockExpiresAt: string | null }> {
  const { user } = await gw.client.data(GetUserDocument, { userId });
  return { isLocked: user.isLocked, lockExpiresAt: user.lockExpiresAt };
}

const count = (values: string[], value: string) => values.filter((v) => v === value).length;

describeEachDialect('replay and lockout on %s', (dialect) => {
  /** Default lockout threshold (10). */
  let gw: TestGateway;
  /** LOCKOUT_MAX_ATTEMPTS=100, so races see replays rather than the lock. */
  let roomy: TestGateway;

  beforeAll(async () => {
    [gw, roomy] = await Promise.all([startGateway({ dialect }), startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: '100' } })]);
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), roomy?.close()]);
  });

  describe('replay', () => {
    it('accepts a TOTP code once and refuses it afterwards as TOTP_CODE_ALREADY_AUTHENTICATED', async () => {
      const e = await gw.enroll({ verify: true }); // used step -1
      const code = totpCode(e.secret, 0);
      expect(verdict(await authenticate(gw, e.userId, code))).toBe('OK');
      expect(verdict(await authenticate(gw, e.userId, code))).toBe(REPLAY);
      expect(verdict(await authenticate(gw, e.userId, code))).toBe(REPLAY);
    });

    it("refuses an older step's code once a newer step's code was accepted", async () => {
      const e = await gw.enroll({ verify: true }); // used step -1
      const now = Date.now();
      const older = totpCode(e.secret, 0, now);
      const newer = totpCode(e.secret, 1, now);
      expect(verdict(await authenticate(gw, e.userId, newer))).toBe('OK');
      // Still inside the ±1 window and never used, but older than the last accepted step.
      expect(verdict(await authenticate(gw, e.userId, older))).toBe(REPLAY);
    });

    it('accepts exactly one of 30 concurrent submissions of one TOTP code', async () => {
      const e = await roomy.enroll({ verify: true });
      const code = totpCode(e.secret, 0);
      const responses = await Promise.all(Array.from({ length: 30 }, () => authenticate(roomy, e.userId, code)));
      expect(responses.filter((r) => r.data?.authenticateTotp != null)).toHaveLength(1);
      const verdicts = responses.map((r) => verdict(r));
      expect(count(verdicts, 'OK')).toBe(1);
      expect(count(verdicts, REPLAY)).toBe(29);
      // And the race left the code spent.
      expect(verdict(await authenticate(roomy, e.userId, code))).toBe(REPLAY);
    });

    it('accepts exactly one of 20 concurrent uses of one recovery code', async () => {
      const e = await roomy.enroll({ verify: true });
      const [recoveryCode] = e.recoveryCodes;
      const responses = await Promise.all(Array.from({ length: 20 }, () => recover(roomy, e.userId, recoveryCode)));
      expect(responses.filter((r) => r.data?.recoverTotp != null)).toHaveLength(1);
      const verdicts = responses.map((r) => verdict(r, 'recoverTotp'));
      expect(count(verdicts, 'OK')).toBe(1);
      expect(count(verdicts, UNABLE_RECOVERY)).toBe(19);

      const { totpRecoveryCodes } = await roomy.client.data(TotpRecoveryCodesDocument, { userId: e.userId });
      expect(totpRecoveryCodes).toEqual([expect.objectContaining({ totpId: e.totpId, remaining: 9 })]);
      expect(verdict(await recover(roomy, e.userId, recoveryCode), 'recoverTotp')).toBe(UNABLE_RECOVERY);
    });
  });

  describe('lockout', () => {
    it('locks after 10 wrong codes: the 11th attempt is refused even with the correct code', async () => {
      const e = await gw.enroll({ verify: true });
      const before = Date.now();
      expect(await guessWrong(gw, e, 10)).toEqual(Array(10).fill(UNABLE));

      const refused = await authenticate(gw, e.userId, totpCode(e.secret, 0));
      const after = Date.now();
      expect(codes(refused)).toEqual([LOCKED]);
      expect(refused.data).toBeNull();
      const lockExpiresAt = refused.errors![0].extensions.lockExpiresAt;
      expect(typeof lockExpiresAt).toBe('string');
      expect(lockExpiresAt).toMatch(ISO_DATE);
      const expiresMs = Date.parse(lockExpiresAt as string);
      expect(expiresMs).toBeGreaterThanOrEqual(before + HOUR_MS);
      expect(expiresMs).toBeLessThanOrEqual(after + HOUR_MS);

      expect(await lockState(gw, e.userId)).toEqual({ isLocked: true, lockExpiresAt });
    });

    it('resets the failure count on success', async () => {
      const e = await gw.enroll({ verify: true });
      expect(await guessWrong(gw, e, 9)).toEqual(Array(9).fill(UNABLE));
      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 0)))).toBe('OK');
      // Without the reset the 2nd of these would be locked out (9 + 1 >= 10).
      expect(await guessWrong(gw, e, 9)).toEqual(Array(9).fill(UNABLE));
      expect(await lockState(gw, e.userId)).toEqual({ isLocked: false, lockExpiresAt: null });
      // A full fresh budget: the 10th failure is still judged, and it sets the lock.
      expect(await guessWrong(gw, e, 1)).toEqual([UNABLE]);
      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 1)))).toBe(LOCKED);
    });

    it('stops a mutation at its first refused alias: of 50 wrong-code aliases one runs, and it spends one attempt', async () => {
      const e = await gw.enroll({ verify: true });
      const fields = Array.from(
        { length: 50 },
        (_, i) => `a${i}: authenticateTotp(input: { userId: ${JSON.stringify(e.userId)}, totpCode: ${JSON.stringify(wrongCode(e.secret))} }) { userId }`,
      );
      const { body } = await postRaw(gw, { query: `mutation {\n  ${fields.join('\n  ')}\n}` });
      const result = body as RawResult;
      // Mutation fields run serially, and graphql-js stops at the first error of a non-null root
      // field (AuthenticatePayload!): the first alias runs and is refused, the other 49 never run.
      expect(result.data).toBeNull();
      expect((result.errors ?? []).map((err) => [err.path?.[0], err.extensions?.code])).toEqual([['a0', UNABLE]]);

      // Exactly one attempt was spent: nine more are judged, then the lock holds.
      const left = 9;
      expect(await guessWrong(gw, e, left)).toEqual(Array(left).fill(UNABLE));
      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 0)))).toBe(LOCKED);
      expect((await lockState(gw, e.userId)).isLocked).toBe(true);
    });

    it('judges every alias when all of them run: ten aliases each spending a different recovery code, then a wrong one', async () => {
      const e = await gw.enroll({ verify: true });
      const field = (alias: string, code: string) => `${alias}: recoverTotp(input: { userId: ${JSON.stringify(e.userId)}, recoveryCode: ${JSON.stringify(code)} }) { userId }`;
      // Each alias that succeeds lets the next one run, so all eleven run; the last is refused.
      const fields = [...e.recoveryCodes.map((code, i) => field(`r${i}`, code)), field('wrong', wrongRecoveryCode(e))];
      const { body } = await postRaw(gw, { query: `mutation {\n  ${fields.join('\n  ')}\n}` });
      const result = body as RawResult;
      expect((result.errors ?? []).map((err) => [err.path?.[0], err.extensions?.code])).toEqual([['wrong', UNABLE_RECOVERY]]);
      // Every code was spent by its own alias (each ran and was judged)...
      const { totpRecoveryCodes } = await gw.client.data(TotpRecoveryCodesDocument, { userId: e.userId });
      expect(totpRecoveryCodes.map((t) => t.remaining)).toEqual([0]);
      for (const code of e.recoveryCodes.slice(0, 3)) expect(verdict(await recover(gw, e.userId, code), 'recoverTotp')).toBe(UNABLE_RECOVERY);
      // ...and the wrong one counted: with those three refusals, four failures; six more are judged, then the lock holds.
      expect(await guessWrong(gw, e, 6)).toEqual(Array(6).fill(UNABLE));
      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 0)))).toBe(LOCKED);
      expect((await lockState(gw, e.userId)).isLocked).toBe(true);
    });

    it('counts each operation of a batched request as an attempt', async () => {
      const e = await gw.enroll({ verify: true });
      const verdicts: string[][] = [];
      for (let batch = 0; batch < 3; batch++) {
        const { status, body } = await postRaw(gw, batchOf(e.userId, Array.from({ length: 10 }, () => wrongCode(e.secret))));
        expect(status).toBe(200);
        expect(Array.isArray(body)).toBe(true);
        const results = body as RawResult[];
        expect(results).toHaveLength(10);
        verdicts.push(results.map((r) => verdict(r)));
      }
      expect(count(verdicts.flat(), UNABLE)).toBe(10); // never more judged failures than the threshold
      expect(verdicts[0]).toEqual(Array(10).fill(UNABLE));
      expect(verdicts[1]).toEqual(Array(10).fill(LOCKED));
      expect(verdicts[2]).toEqual(Array(10).fill(LOCKED));

      // A correct code, batched or not, is refused too.
      const { body } = await postRaw(gw, batchOf(e.userId, [totpCode(e.secret, 0)]));
      expect((body as RawResult[]).map((r) => verdict(r))).toEqual([LOCKED]);
      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 0)))).toBe(LOCKED);
    });

    it('refuses an 11-operation batch with BATCH_TOO_LARGE and counts none of it', async () => {
      const e = await gw.enroll({ verify: true });
      const { status, body } = await postRaw(gw, batchOf(e.userId, Array.from({ length: 11 }, () => wrongCode(e.secret))));
      expect(status).toBe(400);
      expect(codes(body as RawResult)).toEqual(['BATCH_TOO_LARGE']);
      expect(await lockState(gw, e.userId)).toEqual({ isLocked: false, lockExpiresAt: null });

      // Had even one of the 11 been counted, the lock would fall within these 10 guesses.
      expect(await guessWrong(gw, e, 10)).toEqual(Array(10).fill(UNABLE));
      // ...and the threshold is live: the next attempt, correct or not, is locked out.
      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 0)))).toBe(LOCKED);
    });

    it('applies to recoverTotp: 10 wrong recovery codes lock the user for both factors', async () => {
      const e = await gw.enroll({ verify: true });
      const verdicts: string[] = [];
      for (let i = 0; i < 10; i++) verdicts.push(verdict(await recover(gw, e.userId, wrongRecoveryCode(e)), 'recoverTotp'));
      expect(verdicts).toEqual(Array(10).fill(UNABLE_RECOVERY));

      expect(verdict(await recover(gw, e.userId, e.recoveryCodes[0]), 'recoverTotp')).toBe(LOCKED);
      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 0)))).toBe(LOCKED);
      // A refused attempt spends no recovery code.
      const { totpRecoveryCodes } = await gw.client.data(TotpRecoveryCodesDocument, { userId: e.userId });
      expect(totpRecoveryCodes.map((c) => c.remaining)).toEqual([10]);
    });

    it('shares one failure counter between TOTP and recovery-code attempts', async () => {
      const e = await gw.enroll({ verify: true });
      const verdicts: string[] = [];
      for (let i = 0; i < 5; i++) {
        verdicts.push(verdict(await authenticate(gw, e.userId, wrongCode(e.secret))));
        verdicts.push(verdict(await recover(gw, e.userId, wrongRecoveryCode(e)), 'recoverTotp'));
      }
      expect(verdicts).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? UNABLE : UNABLE_RECOVERY)));

      expect(verdict(await authenticate(gw, e.userId, totpCode(e.secret, 0)))).toBe(LOCKED);
      expect(verdict(await recover(gw, e.userId, e.recoveryCodes[0]), 'recoverTotp')).toBe(LOCKED);
      expect((await lockState(gw, e.userId)).isLocked).toBe(true);
      const { totpRecoveryCodes } = await gw.client.data(TotpRecoveryCodesDocument, { userId: e.userId });
      expect(totpRecoveryCodes.map((c) => c.remaining)).toEqual([10]);
    });

    it('honours LOCKOUT_MAX_ATTEMPTS: with 3 the 4th attempt is locked out', async () => {
      const strict = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: '3' } });
      try {
        const e = await strict.enroll({ verify: true });
        expect(await guessWrong(strict, e, 3)).toEqual(Array(3).fill(UNABLE));
        const refused = await authenticate(strict, e.userId, totpCode(e.secret, 0));
        expect(codes(refused)).toEqual([LOCKED]);
        expect(refused.errors![0].extensions.lockExpiresAt).toMatch(ISO_DATE);
        expect((await lockState(strict, e.userId)).isLocked).toBe(true);
      } finally {
        await strict.close();
      }
    });

    it('lifts the lock after one hour of (injected) clock time', async () => {
      const clock = { t: Date.now(), now() { return this.t; } } satisfies Clock & { t: number };
      const timed = await startGateway({ dialect, clock });
      try {
        // Enrolled unverified and verified by hand, so every code is relative to clock.t.
        const e = await timed.enroll();
        expect(verdict(await authenticate(timed, e.userId, totpCode(e.secret, -1, clock.t)))).toBe('OK');

        const lockedAt = clock.t;
        expect(await guessWrong(timed, e, 10, () => clock.t)).toEqual(Array(10).fill(UNABLE));
        const refused = await authenticate(timed, e.userId, totpCode(e.secret, 0, clock.t));
        expect(codes(refused)).toEqual([LOCKED]);
        expect(refused.errors![0].extensions.lockExpiresAt).toBe(new Date(lockedAt + HOUR_MS).toISOString());

        clock.t = lockedAt + HOUR_MS - 1000; // one second short of the hour: still locked
        expect(verdict(await authenticate(timed, e.userId, totpCode(e.secret, 0, clock.t)))).toBe(LOCKED);

        clock.t = lockedAt + 3601 * 1000;
        const accepted = await authenticate(timed, e.userId, totpCode(e.secret, 0, clock.t));
        expect(verdict(accepted)).toBe('OK');
        expect(accepted.data?.authenticateTotp.user).toEqual(expect.objectContaining({ isLocked: false, lockExpiresAt: null }));

        // The expired lock left a fresh budget: 9 failures are judged, not locked out.
        expect(await guessWrong(timed, e, 9, () => clock.t)).toEqual(Array(9).fill(UNABLE));
      } finally {
        await timed.close();
      }
    });
  });
});
