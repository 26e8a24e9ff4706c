// The lockout arithmetic (NIST SP 800-63B §5.2.2): consecutive failures survive a lock's end, each further lock doubles up to the cap, the hard limit locks until an unlock.
import { escalationSteps, HARD_LOCK_UNTIL_MS, lockAfterFailure, lockDurationMs, lockView, type LockoutPolicy } from '../../src/users/lockout.policy';
import { reserveAttemptSql } from '../../src/users/lockout.service';

const SECOND_MS = 1000;
const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;
const defaults: LockoutPolicy = { maxAttempts: 10, durationSeconds: HOUR_S, maxDurationSeconds: 7 * DAY_S, hardLimit: 100 };
const example: LockoutPolicy = { maxAttempts: 3, durationSeconds: 300, maxDurationSeconds: 7 * DAY_S, hardLimit: 100 };

describe('lockDurationMs', () => {
  it('doubles from the base duration: 1 h, 2 h, 4 h, ...', () => {
    expect([1, 2, 3, 4].map((k) => lockDurationMs(defaults, k) / SECOND_MS)).toEqual([HOUR_S, 2 * HOUR_S, 4 * HOUR_S, 8 * HOUR_S]);
  });

  it('makes every lock at least twice the one before until the cap, and never more than the cap', () => {
    const capMs = defaults.maxDurationSeconds * SECOND_MS;
    for (let k = 2; k <= 100; k++) {
      const previous = lockDurationMs(defaults, k - 1);
      const current = lockDurationMs(defaults, k);
      expect(current).toBeLessThanOrEqual(capMs);
      expect(current >= 2 * previous || current === capMs).toBe(true);
    }
    // 1 h * 2^8 = 256 h > 168 h: the 9th and later locks are the cap.
    expect(lockDurationMs(defaults, 8)).toBe(128 * HOUR_S * SECOND_MS);
    expect(lockDurationMs(defaults, 9)).toBe(capMs);
    expect(lockDurationMs(defaults, 1000)).toBe(capMs);
  });

  it('is the cap at once when the base duration equals it', () => {
    const flat = { ...defaults, durationSeconds: DAY_S, maxDurationSeconds: DAY_S };
    expect([1, 2, 10].map((k) => lockDurationMs(flat, k))).toEqual(Array(3).fill(DAY_S * SECOND_MS));
  });

  it('refuses a lock number below 1', () => {
    expect(() => lockDurationMs(defaults, 0)).toThrow(RangeError);
    expect(() => lockDurationMs(defaults, 1.5)).toThrow(RangeError);
  });
});

describe('lockAfterFailure', () => {
  it('locks at every N-th consecutive failure, not between', () => {
    const decisions = Array.from({ length: 9 }, (_, i) => lockAfterFailure(example, i + 1));
    expect(decisions).toEqual([
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'timed', durationMs: 300 * SECOND_MS },
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'timed', durationMs: 600 * SECOND_MS },
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'timed', durationMs: 1200 * SECOND_MS },
    ]);
  });

  it('after a lock ends, at most N more failures set a lock at least twice as long', () => {
    for (const policy of [defaults, example, { ...example, maxAttempts: 1 }, { ...defaults, maxAttempts: 7, hardLimit: 50 }]) {
      let previousMs = 0;
      let sinceLock = 0;
      for (let failures = 1; failures < policy.hardLimit; failures++) {
        sinceLock++;
        const decision = lockAfterFailure(policy, failures);
        if (decision.kind !== 'timed') continue;
        expect(sinceLock).toBeLessThanOrEqual(policy.maxAttempts);
        expect(decision.durationMs >= 2 * previousMs || decision.durationMs === policy.maxDurationSeconds * SECOND_MS).toBe(true);
        previousMs = decision.durationMs;
        sinceLock = 0;
      }
    }
  });

  it('locks until an unlock at the hard limit, also when it is not a multiple of N, and beyond it', () => {
    const odd = { ...example, hardLimit: 10 };
    expect(lockAfterFailure(odd, 9)).toEqual({ kind: 'timed', durationMs: 1200 * SECOND_MS });
    expect(lockAfterFailure(odd, 10)).toEqual({ kind: 'hard' });
    expect(lockAfterFailure(defaults, 99)).toEqual({ kind: 'none' });
    expect(lockAfterFailure(defaults, 100)).toEqual({ kind: 'hard' });
    expect(lockAfterFailure(defaults, 150)).toEqual({ kind: 'hard' });
  });

  it('makes the first lock the hard one when N equals the hard limit', () => {
    const single = { ...defaults, maxAttempts: 100 };
    expect(lockAfterFailure(single, 99)).toEqual({ kind: 'none' });
    expect(lockAfterFailure(single, 100)).toEqual({ kind: 'hard' });
  });
});

describe('escalationSteps', () => {
  it('lists the lengths below the cap, in order', () => {
    expect(escalationSteps(defaults).map((ms) => ms / SECOND_MS / HOUR_S)).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(escalationSteps({ ...defaults, durationSeconds: DAY_S, maxDurationSeconds: DAY_S })).toEqual([]);
  });

  it('stays short with the widest settings (5 min base, 365-day cap)', () => {
    const steps = escalationSteps({ ...defaults, durationSeconds: 300, maxDurationSeconds: 365 * DAY_S });
    expect(steps.length).toBe(17); // 300 s * 2^17 > 365 days
    expect(steps.at(-1)).toBeLessThan(365 * DAY_S * SECOND_MS);
  });
});

describe('lockView', () => {
  const now = Date.UTC(2026, 0, 1);

  it('shows no lock, a passed lock as none, a timed lock with its end, and a hard lock as locked with no end', () => {
    expect(lockView(null, now)).toEqual({ isLocked: false, lockedUntil: null });
    expect(lockView(now, now)).toEqual({ isLocked: false, lockedUntil: null });
    expect(lockView(now + 1, now)).toEqual({ isLocked: true, lockedUntil: new Date(now + 1) });
    expect(lockView(HARD_LOCK_UNTIL_MS, now)).toEqual({ isLocked: true, lockedUntil: null });
  });
});

describe('reserveAttemptSql', () => {
  it('inlines exactly the policy: the hard limit, the modulus and each escalation step', () => {
    const text = reserveAttemptSql(example);
    expect(text).toContain(`>= 100 THEN ${HARD_LOCK_UNTIL_MS}`);
    expect(text).toContain('% 3 = 0');
    expect(text).toContain(`WHEN 3 THEN ${300 * SECOND_MS} WHEN 6 THEN ${600 * SECOND_MS}`);
    expect(text).toContain(`ELSE ${7 * DAY_S * SECOND_MS} END`);
    // Four bound parameters: now (the lock's start), user id, project id, now (the check).
    expect(text.match(/\?/g)).toHaveLength(4);
  });

  it('needs no step table when the base duration is the cap', () => {
    const text = reserveAttemptSql({ ...defaults, durationSeconds: DAY_S, maxDurationSeconds: DAY_S });
    expect(text).toContain(`CAST(? AS BIGINT) + ${DAY_S * SECOND_MS}`);
    expect(text).not.toContain('CASE (failed_attempts + 1) WHEN');
  });
});
