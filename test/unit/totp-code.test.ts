// `totp code` prints the RFC 6238 code of a secret (Appendix B vectors for SHA-1/256/512, 8 digits) and refuses options it cannot use.
import { totpCodeAt, TotpOptionError } from '../../src/cli/totp-code.command';
import { encodeBase32 } from '../../src/totp/otp.generator';
import { totpCode } from '../support/gateway';

/** RFC 6238 Appendix B: the ASCII seeds for each hash, repeated to its length. */
const seed = (bytes: number) => encodeBase32(Buffer.from('1234567890'.repeat(7).slice(0, bytes)));

it('matches RFC 6238 Appendix B (T = 59 s and 1111111109 s, 8 digits)', () => {
  expect(totpCodeAt({ secret: seed(20), digits: '8' }, 59_000)).toBe('94287082');
  expect(totpCodeAt({ secret: seed(32), digits: '8', algorithm: 'SHA256' }, 59_000)).toBe('46119246');
  expect(totpCodeAt({ secret: seed(64), digits: '8', algorithm: 'sha512' }, 59_000)).toBe('90693936');
  expect(totpCodeAt({ secret: seed(20), digits: '8', algorithm: 'SHA-1' }, 1_111_111_109_000)).toBe('07081804');
});

it('defaults to what authenticator apps use (SHA-1, 6 digits, 30 s) and reads the secret as typed', () => {
  const secret = seed(20);
  const now = 1_795_970_000_000;
  expect(totpCodeAt({ secret }, now)).toBe(totpCode(secret, 0, now));
  expect(totpCodeAt({ secret: secret.toLowerCase().replace(/(.{4})/g, '$1 ').replace(' ', '-') }, now)).toBe(totpCode(secret, 0, now));
  // A 60 s period: the code of step floor(t / 60); at 120 s that is step 2, which a 30 s period reaches at 60 s.
  expect(totpCodeAt({ secret, period: '60' }, 120_000)).toBe(totpCodeAt({ secret }, 60_000));
  expect(totpCodeAt({ secret, period: '60' }, 120_000)).not.toBe(totpCodeAt({ secret }, 120_000));
});

it('refuses a secret that is not base32 and options out of range, saying which', () => {
  expect(() => totpCodeAt({ secret: 'not base32 !' }, 0)).toThrow(TotpOptionError);
  expect(() => totpCodeAt({ secret: 'JBSWY3DP', digits: '5' }, 0)).toThrow(/--digits must be a whole number from 6 to 8/);
  expect(() => totpCodeAt({ secret: 'JBSWY3DP', period: '0' }, 0)).toThrow(/--period/);
  expect(() => totpCodeAt({ secret: 'JBSWY3DP', algorithm: 'MD5' }, 0)).toThrow(/--algorithm must be SHA1, SHA256 or SHA512/);
});
