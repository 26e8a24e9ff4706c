// The assurance rules: a session's AAL, its RFC 8176 amr and acr, and step-up (SECOND_FACTOR_REQUIRED, FACTOR_TOO_OLD) derived from its factors alone.
import { ACR_VALUES, amrOf, assuranceLevelOf, assuranceShortfall, isSecondFactor, type AssuranceFactor } from '../../src/sessions/assurance.rules';

const NOW = Date.UTC(2030, 0, 1, 12);
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000);
const external = (secondsAgo = 600): AssuranceFactor => ({ type: 'external', lastAuthenticatedAt: at(secondsAgo) });
const totp = (secondsAgo = 60): AssuranceFactor => ({ type: 'totp', lastAuthenticatedAt: at(secondsAgo) });
const recovery = (secondsAgo = 60): AssuranceFactor => ({ type: 'recovery_codes', lastAuthenticatedAt: at(secondsAgo) });
const device = (countsTowardsAal2: boolean, secondsAgo = 30): AssuranceFactor => ({ type: 'remembered_device', countsTowardsAal2, lastAuthenticatedAt: at(secondsAgo) });

describe('assurance level', () => {
  it('is AAL1 with the backend factor alone or with a remembered device the project does not count', () => {
    expect(assuranceLevelOf([external()])).toBe('AAL1');
    expect(assuranceLevelOf([external(), device(false)])).toBe('AAL1');
    expect(assuranceLevelOf([])).toBe('AAL1');
  });

  it('is AAL2 with a TOTP, a recovery code, or a remembered device the project counts', () => {
    expect(assuranceLevelOf([external(), totp()])).toBe('AAL2');
    expect(assuranceLevelOf([recovery()])).toBe('AAL2');
    expect(assuranceLevelOf([external(), device(true)])).toBe('AAL2');
    expect([totp(), recovery(), device(true), device(false), external()].map(isSecondFactor)).toEqual([true, true, true, false, false]);
  });
});

describe('JWT claims', () => {
  it('amr lists RFC 8176 values: otp for one-time secrets, mfa at AAL2, nothing for the backend factor alone', () => {
    expect(amrOf([external()])).toEqual([]);
    expect(amrOf([external(), totp(), recovery()])).toEqual(['otp', 'mfa']);
    expect(amrOf([external(), device(true)])).toEqual(['mfa']);
    expect(amrOf([external(), device(false)])).toEqual([]);
  });

  it('acr names each level with a distinct URI', () => {
    expect(ACR_VALUES.AAL1).not.toBe(ACR_VALUES.AAL2);
    expect(ACR_VALUES.AAL2).toMatch(/aal\/2$/);
  });
});

describe('step-up', () => {
  it('refuses a session below the level with its level', () => {
    expect(assuranceShortfall([external()], { level: 'AAL2' }, NOW)).toEqual({ code: 'SECOND_FACTOR_REQUIRED', assuranceLevel: 'AAL1' });
    expect(assuranceShortfall([external(), device(false)], { level: 'AAL2' }, NOW)).toEqual({ code: 'SECOND_FACTOR_REQUIRED', assuranceLevel: 'AAL1' });
    expect(assuranceShortfall([external()], { level: 'AAL1' }, NOW)).toBeNull();
  });

  it('judges the age of the newest factor meeting the level, in whole seconds', () => {
    // The backend factor is newer, but only the second factor meets AAL2.
    expect(assuranceShortfall([totp(900), external(5)], { level: 'AAL2', maxFactorAgeSeconds: 300 }, NOW)).toEqual({ code: 'FACTOR_TOO_OLD', factorAgeSeconds: 900, maxFactorAgeSeconds: 300 });
    expect(assuranceShortfall([totp(900), recovery(120)], { level: 'AAL2', maxFactorAgeSeconds: 300 }, NOW)).toBeNull();
    expect(assuranceShortfall([totp(900), external(5)], { level: 'AAL1', maxFactorAgeSeconds: 300 }, NOW)).toBeNull();
    expect(assuranceShortfall([totp(300.9)], { level: 'AAL2', maxFactorAgeSeconds: 300 }, NOW)).toBeNull();
    expect(assuranceShortfall([totp(301)], { level: 'AAL2', maxFactorAgeSeconds: 300 }, NOW)).toMatchObject({ code: 'FACTOR_TOO_OLD', factorAgeSeconds: 301 });
  });

  it('maxFactorAgeSeconds 0 accepts only a factor of this very second', () => {
    expect(assuranceShortfall([totp(0)], { level: 'AAL2', maxFactorAgeSeconds: 0 }, NOW)).toBeNull();
    expect(assuranceShortfall([totp(1)], { level: 'AAL2', maxFactorAgeSeconds: 0 }, NOW)).toMatchObject({ code: 'FACTOR_TOO_OLD', factorAgeSeconds: 1 });
  });
});
