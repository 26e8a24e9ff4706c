// The signing-key schedule's pure rules: which key signs when (also by a clock behind the keys' starts), when the next key is due, and when it may sign (across algorithms).
import {
  CLOCK_SKEW_TOLERANCE_MS,
  PUBLISH_LEAD_MS,
  SCHEDULE_CACHE_TTL_MS,
  lastKey,
  nextKeySignsFrom,
  signerAt,
  type ScheduledKey,
} from '../../src/sessions/signing-schedule.rules';

const DAY_MS = 86_400_000;
const key = (generation: number, createdAt: number, signsFrom: number, algorithm = 'ES256'): ScheduledKey => ({
  kid: `key-${algorithm}-${generation}`,
  algorithm,
  generation,
  createdAt,
  signsFrom,
});

describe('signing schedule', () => {
  const k1 = key(1, 0, 0);
  const k2 = key(2, DAY_MS + 5 * 60_000, DAY_MS + 5 * 60_000 + PUBLISH_LEAD_MS);

  it('keeps the cache of a chain shorter than the publication lead', () => {
    expect(SCHEDULE_CACHE_TTL_MS).toBeLessThan(PUBLISH_LEAD_MS);
  });

  it('picks the latest key whose start has come, in any order', () => {
    expect(signerAt([], 0)).toBeUndefined();
    expect(signerAt([k2, k1], k2.signsFrom - 1)).toBe(k1);
    expect(signerAt([k2, k1], k2.signsFrom)).toBe(k2);
    expect(lastKey([k1, k2])).toBe(k2);
    expect(lastKey([])).toBeUndefined();
  });

  it('picks the earliest-starting key when none has started by this clock (behind, or stepped back)', () => {
    expect(signerAt([k2], k2.signsFrom - 1)).toBe(k2);
    expect(signerAt([k2, k1], k1.signsFrom - 5_000)).toBe(k1);
    // And never asks for a key for that reason.
    expect(nextKeySignsFrom([k1], 'ES256', k1.signsFrom - DAY_MS, DAY_MS)).toBeNull();
    expect(nextKeySignsFrom([k2, k1], 'ES256', k1.signsFrom - 5_000, DAY_MS)).toBeNull();
  });

  it("backdates a project's first key by the clock-skew tolerance, so a clock that far behind finds it signing", () => {
    const now = 1_000_000_000;
    const signsFrom = nextKeySignsFrom([], 'ES256', now, DAY_MS)!;
    expect(signsFrom).toBe(now - CLOCK_SKEW_TOLERANCE_MS);
    const first = key(1, now, signsFrom);
    expect(signerAt([first], now - CLOCK_SKEW_TOLERANCE_MS)).toBe(first);
    expect(nextKeySignsFrom([first], 'ES256', now - CLOCK_SKEW_TOLERANCE_MS, DAY_MS)).toBeNull();
    // Its period still runs from its creation: backdating never brings the successor forward.
    expect(nextKeySignsFrom([first], 'ES256', now + DAY_MS - PUBLISH_LEAD_MS - 1, DAY_MS)).toBeNull();
    expect(nextKeySignsFrom([first], 'ES256', now + DAY_MS - PUBLISH_LEAD_MS, DAY_MS)).toBe(now + DAY_MS);
  });

  it('is due for a successor a lead before the period ends, and after a quiet spell, unless one exists', () => {
    expect(nextKeySignsFrom([k1], 'ES256', DAY_MS - PUBLISH_LEAD_MS - 1, DAY_MS)).toBeNull();
    expect(nextKeySignsFrom([k1], 'ES256', DAY_MS - PUBLISH_LEAD_MS, DAY_MS)).toBe(DAY_MS);
    expect(nextKeySignsFrom([k1], 'ES256', 5 * DAY_MS, DAY_MS)).toBe(5 * DAY_MS + PUBLISH_LEAD_MS);
    expect(nextKeySignsFrom([k1, k2], 'ES256', k2.signsFrom - 1, DAY_MS)).toBeNull();
  });

  it('lets a successor sign after the lead and not before its predecessor period ends', () => {
    expect(nextKeySignsFrom([k1], 'ES256', DAY_MS - PUBLISH_LEAD_MS + 1, DAY_MS)).toBe(DAY_MS + 1);
    expect(nextKeySignsFrom([k1], 'ES256', DAY_MS + 5 * 60_000, DAY_MS)).toBe(DAY_MS + 5 * 60_000 + PUBLISH_LEAD_MS);
  });

  it("switches algorithm only after the new key's lead, the old signer signing until then, once", () => {
    const rs = key(1, 0, 0, 'RS256');
    const at = 31 * 60_000;
    expect(nextKeySignsFrom([rs], 'ES256', at, DAY_MS)).toBe(at + PUBLISH_LEAD_MS);
    const es = key(1, at, at + PUBLISH_LEAD_MS, 'ES256');
    expect(signerAt([rs, es], at + PUBLISH_LEAD_MS - 1)).toBe(rs);
    expect(signerAt([rs, es], at + PUBLISH_LEAD_MS)).toBe(es);
    // A switch already scheduled is not scheduled again, by this algorithm or the old one.
    expect(nextKeySignsFrom([rs, es], 'ES256', at + 1, DAY_MS)).toBeNull();
    expect(nextKeySignsFrom([rs, es], 'RS256', at + 1, DAY_MS)).toBeNull();
  });

  it('orders keys that start at the same instant by creation, then kid, the same on every process', () => {
    const a = { ...key(1, 10, 0), kid: 'key-a' };
    const b = { ...key(1, 10, 0, 'RS256'), kid: 'key-b' };
    expect(signerAt([a, b], 5)).toBe(b);
    expect(signerAt([b, a], 5)).toBe(b);
    expect(lastKey([a, b])).toBe(b);
  });
});
