// The lockout rule as pure arithmetic (no I/O), so it can be unit-tested and then compiled into the one
// conditional UPDATE that spends an attempt (lockout.service.ts).
//
// NIST SP 800-63B §5.2.2 bounds *consecutive* failed attempts: a lock that runs out must not hand back
// a fresh budget. So the count of consecutive failures only ever grows until a success or an
// administrator's unlock clears it, and:
// - every `maxAttempts`-th consecutive failure (N, 2N, 3N, ...) sets a lock; the k-th lock of a run
//   lasts min(D * 2^(k-1), MAX) (each at least twice the one before until the cap), so after a lock
//   ends at most N more failures set the next one;
// - the failure that reaches `hardLimit` locks until an administrator unlocks the user (§5.2.2's
//   "no more than 100 consecutive failed attempts").

/** The lockout settings (src/config.ts `lockout`). */
export interface LockoutPolicy {
  /** N: consecutive failures per lock, 1..100. */
  readonly maxAttempts: number;
  /** D: the first lock's length in seconds. */
  readonly durationSeconds: number;
  /** MAX: no timed lock lasts longer, in seconds (>= durationSeconds). */
  readonly maxDurationSeconds: number;
  /** Consecutive failures that lock until an unlock, 10..100 (>= maxAttempts). */
  readonly hardLimit: number;
}

/**
 * What the database stores in `users.locked_until` (epoch ms) for a lock that only an unlock lifts:
 * 9999-12-31T23:59:59.999Z, later than any timed lock, so "locked_until > now" holds for it with no
 * extra column or condition. It never leaves the gateway: the API shows such a lock as
 * `isLocked: true` with `lockedUntil: null` (see `lockView`).
 */
export const HARD_LOCK_UNTIL_MS = 253_402_300_799_999;

const SECOND_MS = 1000;

/** What the `failures`-th consecutive failure does (1-based). */
export type LockDecision = { readonly kind: 'none' } | { readonly kind: 'timed'; readonly durationMs: number } | { readonly kind: 'hard' };

/**
 * Length in ms of the k-th lock of one run of failures (k >= 1): min(D * 2^(k-1), MAX).
 * Throws RangeError for k < 1 (a programming error, never client input).
 */
export function lockDurationMs(policy: LockoutPolicy, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`lock number must be a whole number >= 1, got ${k}`);
  const maxMs = policy.maxDurationSeconds * SECOND_MS;
  let durationMs = policy.durationSeconds * SECOND_MS;
  // Doubling stops at the cap, so this never overflows however long the run.
  for (let i = 1; i < k && durationMs < maxMs; i++) durationMs *= 2;
  return Math.min(durationMs, maxMs);
}

/** The lock the `failures`-th consecutive failure sets, if any. */
export function lockAfterFailure(policy: LockoutPolicy, failures: number): LockDecision {
  if (failures >= policy.hardLimit) return { kind: 'hard' };
  if (failures < 1 || failures % policy.maxAttempts !== 0) return { kind: 'none' };
  return { kind: 'timed', durationMs: lockDurationMs(policy, failures / policy.maxAttempts) };
}

/**
 * The distinct timed-lock lengths before the cap, in order: entry i (0-based) is the length of the lock
 * set at (i + 1) * N failures; every later lock lasts the cap. ceil(log2(MAX / D)) entries at most
 * (17 with the widest settings: 5 minutes doubled up to 365 days), so the SQL CASE built from it is short.
 */
export function escalationSteps(policy: LockoutPolicy): number[] {
  const maxMs = policy.maxDurationSeconds * SECOND_MS;
  const steps: number[] = [];
  for (let k = 1; ; k++) {
    const durationMs = lockDurationMs(policy, k);
    if (durationMs >= maxMs) return steps;
    steps.push(durationMs);
  }
}

/** How a stored `locked_until` reads at `nowMs`: in force or not, and its end (null: none, or only an unlock ends it). */
export function lockView(lockedUntilMs: number | null, nowMs: number): { isLocked: boolean; lockedUntil: Date | null } {
  if (lockedUntilMs === null || lockedUntilMs <= nowMs) return { isLocked: false, lockedUntil: null };
  if (lockedUntilMs >= HARD_LOCK_UNTIL_MS) return { isLocked: true, lockedUntil: null };
  return { isLocked: true, lockedUntil: new Date(lockedUntilMs) };
}
