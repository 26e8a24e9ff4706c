// Threat: timing side channels let an attacker learn a code or which time step matched: comparisons must be constant-time and matchStep must judge every candidate step with no early exit (checked by behaviour here, never by measuring time).
import fc from 'fast-check';
import * as keyedHash from '../../src/crypto/keyed-hash';
import { constantTimeEqual } from '../../src/crypto/keyed-hash';
import { codeAt, matchStep, newSecret, PERIOD_SECONDS, STEP_WINDOW_STEPS, timeStep, TRANSIT_GRACE_MS } from '../../src/totp/otp.generator';
import { seedFastCheck } from '../support/fast-check';

seedFastCheck();

const STEP_MS = PERIOD_SECONDS * 1000;
/** The middle of time step `step`. */
const during = (step: number) => step * STEP_MS + STEP_MS / 2;

describe('constantTimeEqual', () => {
  it('is true for equal strings', () => {
    expect(constantTimeEqual('123456', '123456')).toBe(true);
    expect(constantTimeEqual('abcd-efgh-ijkl', 'abcd-efgh-ijkl')).toBe(true);
    expect(constantTimeEqual('x'.repeat(10_000), 'x'.repeat(10_000))).toBe(true);
  });

  it('is false for strings of one length that differ anywhere (first, middle, last character)', () => {
    expect(constantTimeEqual('123456', '023456')).toBe(false);
    expect(constantTimeEqual('123456', '123056')).toBe(false);
    expect(constantTimeEqual('123456', '123457')).toBe(false);
    expect(constantTimeEqual('abcd-efgh-ijkl', 'ABCD-EFGH-IJKL')).toBe(false);
  });

  it('is false for different lengths, either way round, including a prefix', () => {
    expect(constantTimeEqual('123456', '12345')).toBe(false);
    expect(constantTimeEqual('12345', '123456')).toBe(false);
    expect(constantTimeEqual('123456', '1234567')).toBe(false);
    expect(constantTimeEqual('123456', '123456\0')).toBe(false);
    expect(constantTimeEqual('a', 'a'.repeat(1000))).toBe(false);
  });

  it('handles empty strings', () => {
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('', '123456')).toBe(false);
    expect(constantTimeEqual('123456', '')).toBe(false);
  });

  it('compares unicode by its UTF-8 bytes', () => {
    expect(constantTimeEqual('пароль-🔑', 'пароль-🔑')).toBe(true);
    expect(constantTimeEqual('👍🏽', '👍🏽')).toBe(true);
    // Precomposed é (U+00E9) and e + combining acute (U+0065 U+0301) look alike but are not equal.
    expect(constantTimeEqual('\u00e9', 'e\u0301')).toBe(false);
    // One character each, but 2 vs 3 UTF-8 bytes; and equal UTF-16 length with different bytes.
    expect(constantTimeEqual('é', '€')).toBe(false);
    expect(constantTimeEqual('１２３４５６', '123456')).toBe(false); // full-width digits
    expect(constantTimeEqual('🔑', '🔒')).toBe(false);
    expect(constantTimeEqual('a\u200bb', 'ab')).toBe(false); // zero-width space
  });

  it('agrees with === on arbitrary well-formed strings (property)', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.stringMatching(/^\d{6}$/));
    fc.assert(
      fc.property(text, text, (a, b) => constantTimeEqual(a, b) === (a === b) && constantTimeEqual(a, a)),
      { numRuns: 500 },
    );
    // Pairs that differ in one position only, the case an early exit would leak.
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), (a, at, c) => {
        const chars = [...a];
        const i = at % chars.length;
        const b = [...chars.slice(0, i), c, ...chars.slice(i + 1)].join('');
        return constantTimeEqual(a, b) === (a === b);
      }),
      { numRuns: 300 },
    );
  });

  it('compares encoded bytes: ill-formed UTF-16 (lone surrogates) encodes to U+FFFD, so such strings compare equal', () => {
    // Documented behaviour, not a use: callers compare only codes already validated as digits or
    // [a-z0-9-], which never contain surrogates. A caller comparing arbitrary strings must validate first.
    expect(constantTimeEqual('\ud800', '\udc00')).toBe(true);
    expect(constantTimeEqual('\ud800', '\ufffd')).toBe(true);
  });
});

describe('matchStep judges every candidate step', () => {
  // Found offline: with this 20-byte secret, steps 58774644 and 58774646 share the code 390935
  // (58774645's differs), and steps 56699716 and 56699717 share 045255. Two steps sharing a code is
  // the only case where "evaluates every step" and "stops at the first match" answer differently.
  const secret = Buffer.from('totp-gateway/timing!');
  const GAP = 58_774_645;
  const PAIR = 56_699_716;

  it('holds the fixture the tests below rely on', () => {
    expect(secret).toHaveLength(20);
    expect(codeAt(secret, GAP - 1)).toBe('390935');
    expect(codeAt(secret, GAP + 1)).toBe('390935');
    expect(codeAt(secret, GAP)).not.toBe('390935');
    expect(codeAt(secret, PAIR)).toBe('045255');
    expect(codeAt(secret, PAIR + 1)).toBe('045255');
    expect(STEP_WINDOW_STEPS).toBe(1);
  });

  it('accepts the code of the previous, the current and the next step, and answers that step', () => {
    const secret = newSecret();
    const now = Date.now();
    const current = timeStep(now);
    for (const offset of [-1, 0, 1]) {
      expect({ offset, matched: matchStep(secret, codeAt(secret, current + offset), now) }).toEqual({ offset, matched: current + offset });
    }
  });

  it('answers null outside the window and for a code of no step', () => {
    const current = GAP;
    for (const offset of [-3, -2, 2, 3]) {
      const code = codeAt(secret, current + offset);
      const inWindow = [-1, 0, 1].some((o) => codeAt(secret, current + o) === code);
      expect({ offset, matched: matchStep(secret, code, during(current)) }).toEqual({ offset, matched: inWindow ? expect.any(Number) : null });
    }
    const unused = Array.from({ length: 1000 }, (_, i) => String(i).padStart(6, '0')).find(
      (code) => ![-1, 0, 1].some((o) => codeAt(secret, current + o) === code),
    )!;
    expect(matchStep(secret, unused, during(current))).toBeNull();
  });

  it('a code matching steps -1 and +1 answers +1: the loop went on after the match at -1', () => {
    expect(matchStep(secret, '390935', during(GAP))).toBe(GAP + 1);
  });

  it('a code matching steps -1 and 0 answers 0, and one matching 0 and +1 answers +1', () => {
    expect(matchStep(secret, '045255', during(PAIR + 1))).toBe(PAIR + 1);
    expect(matchStep(secret, '045255', during(PAIR))).toBe(PAIR + 1);
    // At either edge of the window only one of the two steps is a candidate.
    expect(matchStep(secret, '045255', during(PAIR + 2))).toBe(PAIR + 1);
    expect(matchStep(secret, '045255', during(PAIR - 1))).toBe(PAIR);
  });

  it('compares every candidate step with constantTimeEqual, whichever step (or none) matches', () => {
    const compare = jest.spyOn(keyedHash, 'constantTimeEqual');
    try {
      const secret = newSecret();
      const current = timeStep(Date.now());
      const now = during(current);
      const cases: Array<[string, string]> = [
        ['step -1', codeAt(secret, current - 1)],
        ['step 0', codeAt(secret, current)],
        ['step +1', codeAt(secret, current + 1)],
        ['no step', codeAt(secret, current + 5)],
        ['malformed', 'abc'],
      ];
      for (const [label, code] of cases) {
        compare.mockClear();
        matchStep(secret, code, now);
        expect({ label, calls: compare.mock.calls.length }).toEqual({ label, calls: 2 * STEP_WINDOW_STEPS + 1 });
        expect(compare.mock.calls.map(([, given]) => given)).toEqual([code, code, code]);
      }
      // With the enrollment grace, in a step's first TRANSIT_GRACE_MS: four candidates, all compared.
      const boundary = current * STEP_MS;
      for (const code of [codeAt(secret, current - 2), codeAt(secret, current + 1), 'abc']) {
        compare.mockClear();
        matchStep(secret, code, boundary, TRANSIT_GRACE_MS);
        expect(compare.mock.calls.map(([, given]) => given)).toEqual([code, code, code, code]);
      }
    } finally {
      compare.mockRestore();
    }
  });
});
