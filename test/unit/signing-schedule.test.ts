// The signing-key schedule's pure rules: which key signs when, when a successor is due, and when it may sign.
import { PUBLISH_LEAD_MS, SCHEDULE_CACHE_TTL_MS, signerAt, successorDue, successorSignsFrom, type ScheduledKey } from '../../src/sessions/signing-schedule.rules';

const DAY_MS = 86_400_000;
const key = (generation: number, createdAt: number, signsFrom: number): ScheduledKey => ({ kid: `key-${generation}`, generation, createdAt, signsFrom });

describe('signing schedule', () => {
  const k1 = key(1, 0, 0);
  const k2 = key(2, DAY_MS + 5 * 60_000, DAY_MS + 5 * 60_000 + PUBLISH_LEAD_MS);

  it('keeps the cache of a chain shorter than the publication lead', () => {
    expect(SCHEDULE_CACHE_TTL_MS).toBeLessThan(PUBLISH_LEAD_MS);
  });

  it('picks the newest generation whose start has come, in any order', () => {
    expect(signerAt([], 0)).toBeUndefined();
    expect(signerAt([k2, k1], k2.signsFrom - 1)).toBe(k1);
    expect(signerAt([k2, k1], k2.signsFrom)).toBe(k2);
    expect(signerAt([k2], k2.signsFrom - 1)).toBeUndefined();
  });

  it('is due for a successor a lead before the period ends, and after a quiet spell, unless one exists', () => {
    expect(successorDue([k1], k1, DAY_MS - PUBLISH_LEAD_MS - 1, DAY_MS)).toBe(false);
    expect(successorDue([k1], k1, DAY_MS - PUBLISH_LEAD_MS, DAY_MS)).toBe(true);
    expect(successorDue([k1], k1, 5 * DAY_MS, DAY_MS)).toBe(true);
    expect(successorDue([k1, k2], k1, 5 * DAY_MS, DAY_MS)).toBe(false);
  });

  it('lets a successor sign after the lead and not before its predecessor period ends; a first key at once', () => {
    expect(successorSignsFrom(undefined, 123, DAY_MS)).toBe(123);
    expect(successorSignsFrom(k1, DAY_MS - 2 * PUBLISH_LEAD_MS, DAY_MS)).toBe(DAY_MS);
    expect(successorSignsFrom(k1, DAY_MS + 5 * 60_000, DAY_MS)).toBe(DAY_MS + 5 * 60_000 + PUBLISH_LEAD_MS);
  });
});
