// Codes as people type them: separators and case ignored, Crockford look-alikes read, old-alphabet recovery codes still matched, malformed input refused.
import * as otp from '../../src/totp/otp.generator';
import * as recovery from '../../src/totp/recovery-code.generator';
import { CODE_INPUT_MAX_CHARS, formatRecoveryCode, parseRecoveryCode, parseTotpCode, RECOVERY_CODE_ALPHABET } from '../../src/totp/code.format';

describe('TOTP codes as typed', () => {
  it.each([
    ['559906', '559906'],
    ['559 906', '559906'],
    [' 559906 ', '559906'],
    ['559906\n', '559906'],
    ['\t559\u00a0906', '559906'], // no-break space
    ['559\u202f906', '559906'], // narrow no-break space, as some locales group digits
    ['559\u2009906', '559906'], // thin space
    ['559-906', '559906'],
    ['559.906', '559906'],
    ['559\u2013906', '559906'], // en dash
    ['\u200b559906', '559906'], // zero-width space from copy-paste
    ['0 1 2 3 4 5', '012345'],
    ['559\u0085906', '559906'], // next line (NEL), which JavaScript's \s misses
    ['\u1680559\u205f906\u3000', '559906'], // ogham space mark, medium mathematical space, ideographic space
    ['\ufeff559\u2028906\u2029', '559906'], // byte order mark, line and paragraph separators
  ])('%j reads as %s', (typed, code) => {
    expect(otp.readTotpCode(typed)).toBe(code);
  });

  it('drops every Unicode White_Space character, in TOTP and recovery codes alike', () => {
    const spaces: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) if (/\p{White_Space}/u.test(String.fromCodePoint(cp))) spaces.push(String.fromCodePoint(cp));
    expect(spaces).toContain('\u0085');
    for (const space of spaces) {
      expect([space, otp.readTotpCode(`${space}559${space}906${space}`)]).toEqual([space, '559906']);
      expect([space, parseRecoveryCode(`ww3o${space}ssmt${space}nzi1`)]).toEqual([space, parseRecoveryCode('ww3o-ssmt-nzi1')]);
    }
  });

  it.each([
    '',
    '55990',
    '5599061',
    '559 9061',
    '55990a',
    '559_906',
    '559,906',
    '559/906',
    '+559906',
    '５５９９０６', // full-width digits are not translated
    '٥٥٩٩٠٦', // Arabic-Indic digits neither
    '559906\u0000',
    `559906${' '.repeat(CODE_INPUT_MAX_CHARS)}`,
  ])('%j is malformed', (typed) => {
    expect(otp.readTotpCode(typed)).toBeNull();
  });

  it('counts the digits the caller asks for', () => {
    expect(parseTotpCode('1234 5678', 8)).toBe('12345678');
    expect(parseTotpCode('1234 5678', 6)).toBeNull();
  });
});

describe('recovery codes', () => {
  it('new codes are xxxx-xxxx-xxxx from the Crockford alphabet, which has no look-alike glyphs', () => {
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(32);
    expect(RECOVERY_CODE_ALPHABET).not.toMatch(/[ilou]/);
    const codes = Array.from({ length: 50 }, () => recovery.newRecoveryCodes()).flat();
    for (const code of codes) {
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
      expect(code).toMatch(recovery.RECOVERY_CODE_PATTERN);
      // A new code is read as exactly itself, typed any way.
      expect(recovery.readRecoveryCode(code)).toEqual([code]);
      expect(recovery.readRecoveryCode(code.toUpperCase().replace(/-/g, ' '))).toEqual([code]);
    }
    // 500 codes use (nearly) every letter of the alphabet, and nothing else.
    expect(new Set(codes.join('').replace(/-/g, '')).size).toBe(32);
  });

  it.each([
    ['7k3m-9q2z-h4xa', ['7k3m-9q2z-h4xa']],
    ['7K3M-9Q2Z-H4XA', ['7k3m-9q2z-h4xa']],
    ['7k3m9q2zh4xa', ['7k3m-9q2z-h4xa']],
    ['7K3M 9Q2Z H4XA', ['7k3m-9q2z-h4xa']],
    [' 7k3m–9q2z—h4xa\n', ['7k3m-9q2z-h4xa']], // en and em dashes
    ['7k3m.9q2z.h4xa', ['7k3m-9q2z-h4xa']],
    ['7k3m\u00a09q2z\u00a0h4xa', ['7k3m-9q2z-h4xa']],
    ['7k-3m9-q2zh-4xa', ['7k3m-9q2z-h4xa']], // separators anywhere
  ])('%j reads as %j', (typed, forms) => {
    expect(recovery.readRecoveryCode(typed)).toEqual(forms);
  });

  it('reads o as 0 and i, l as 1 (Crockford), and also tries the code literally, for codes issued before', () => {
    // A new code 10ab-... read off paper as lo ab: the Crockford form is the code; the literal form is an old code's.
    expect(recovery.readRecoveryCode('lOab-cdef-ghjk')).toEqual(['10ab-cdef-ghjk', 'loab-cdef-ghjk']);
    expect(recovery.readRecoveryCode('I0AB CDEF GHJK')).toEqual(['10ab-cdef-ghjk', 'i0ab-cdef-ghjk']);
    // The example, an old-alphabet code typed without separators or in upper case with spaces.
    expect(recovery.readRecoveryCode('ww3ossmtnzi1')).toEqual(['ww30-ssmt-nz11', 'ww3o-ssmt-nzi1']);
    expect(recovery.readRecoveryCode('WW3O SSMT NZI1')).toEqual(['ww30-ssmt-nz11', 'ww3o-ssmt-nzi1']);
    // u is in no Crockford code: only the literal (old) form is tried.
    expect(recovery.readRecoveryCode('uuuu-2345-6789')).toEqual(['uuuu-2345-6789']);
  });

  it.each([
    '',
    'garbage',
    'abcd-efgh',
    'abcd-efgh-jkm',
    'abcd-efgh-jkmnp',
    'abcd-efgh-jkm!',
    'abcd_efgh_jkmn',
    'ａｂｃｄ-efgh-jkmn', // full-width letters are not translated
    'abcd-efgh-jkm\u212a', // Kelvin sign, which toLowerCase() would turn into k
    'abcd-efgh-jkmé',
    '559906',
    `abcd-efgh-jkmn${' '.repeat(CODE_INPUT_MAX_CHARS)}`,
  ])('%j is malformed', (typed) => {
    expect(recovery.readRecoveryCode(typed)).toBeNull();
  });

  it('formats 12 characters as three groups of four', () => {
    expect(formatRecoveryCode('0123456789ab')).toBe('0123-4567-89ab');
  });

  it('a TOTP code is never a well-formed recovery code, nor the other way round', () => {
    for (const typed of ['559906', '559 906', '1234-5678-9abc', '123456123456']) {
      expect(otp.readTotpCode(typed) === null || parseRecoveryCode(typed) === null).toBe(true);
    }
  });
});
