// TOTP parameters: codes made and judged with a TOTP's own algorithm, digits and period (RFC 6238 Appendix B at 8 digits for SHA1/SHA256/SHA512, the `otpauth` package as an independent generator), the otpauth URI carrying them, and the pure rules for labels, parameters and the compatibility note.
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { seedFastCheck } from '../support/fast-check';
import * as otp from '../../src/totp/otp.generator';
import * as qr from '../../src/totp/qr.generator';
import { compatibilityNote, totpLabel, totpParameters } from '../../src/totp/totp-parameters.rules';
import { DEFAULT_TOTP_LABEL, DEFAULT_TOTP_PARAMETERS, TOTP_ALGORITHMS } from '../../src/constants/totp.constants';
import { GatewayError } from '../../src/errors/error.catalogue';
import { RFC6238_SEEDS, RFC6238_VECTORS } from '../support/rfc6238';

seedFastCheck();

const SEEDS = RFC6238_SEEDS;
const VECTORS = RFC6238_VECTORS;

describe('RFC 6238 Appendix B, 8 digits, judged by matchStep with the TOTP parameters', () => {
  it.each(VECTORS)('T=%i', (seconds, sha1, sha256, sha512) => {
    const nowMs = seconds * 1000;
    const step = otp.timeStep(nowMs, 30);
    for (const [algorithm, code] of [['SHA1', sha1], ['SHA256', sha256], ['SHA512', sha512]] as const) {
      expect(otp.codeAt(SEEDS[algorithm], step, 8, algorithm)).toBe(code);
      expect(otp.matchStep(SEEDS[algorithm], code, nowMs, 0, { algorithm, digits: 8, periodSeconds: 30 })).toBe(step);
      // The same code is no code of another hash, nor a 6-digit code.
      const other = algorithm === 'SHA1' ? 'SHA256' : 'SHA1';
      expect(otp.matchStep(SEEDS[algorithm], code, nowMs, 0, { algorithm: other, digits: 8, periodSeconds: 30 })).toBeNull();
      expect(otp.matchStep(SEEDS[algorithm], code.slice(2), nowMs, 0, { algorithm, digits: 8, periodSeconds: 30 })).toBeNull();
    }
  });
});

describe('codes against the otpauth package', () => {
  const arbitrary = fc.record({
    secret: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    algorithm: fc.constantFrom(...TOTP_ALGORITHMS),
    digits: fc.constantFrom(6, 8),
    periodSeconds: fc.constantFrom(30, 60),
    nowMs: fc.integer({ min: 1_000_000_000, max: 4_000_000_000_000 }),
  });

  it('matchStep accepts the code otpauth makes now, with the step in the TOTP\'s own units', () => {
    fc.assert(
      fc.property(arbitrary, ({ secret, algorithm, digits, periodSeconds, nowMs }) => {
        const theirs = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromHex(Buffer.from(secret).toString('hex')), algorithm, digits, period: periodSeconds });
        const code = theirs.generate({ timestamp: nowMs });
        expect(code).toHaveLength(digits);
        expect(otp.matchStep(secret, code, nowMs, 0, { algorithm, digits, periodSeconds })).toBe(Math.floor(nowMs / 1000 / periodSeconds));
      }),
      { numRuns: 300 },
    );
  });

  it('a 60-second TOTP accepts the previous and next minute, not two minutes away', () => {
    const secret = otp.newSecret();
    const params = { algorithm: 'SHA512', digits: 8, periodSeconds: 60 } as const;
    const theirs = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromHex(secret.toString('hex')), algorithm: 'SHA512', digits: 8, period: 60 });
    const nowMs = 1_800_000_000_000;
    const step = otp.timeStep(nowMs, 60);
    for (const offset of [-1, 0, 1]) expect(otp.matchStep(secret, theirs.generate({ timestamp: nowMs + offset * 60_000 }), nowMs, 0, params)).toBe(step + offset);
    for (const offset of [-2, 2]) expect(otp.matchStep(secret, theirs.generate({ timestamp: nowMs + offset * 60_000 }), nowMs, 0, params)).toBeNull();
  });
});

describe('readTotpCode', () => {
  it('reads 6 and 8 digits by default, and only the length asked for otherwise', () => {
    expect(otp.readTotpCode('123 456')).toBe('123456');
    expect(otp.readTotpCode('1234-5678')).toBe('12345678');
    for (const bad of ['1234567', '12345', '123456789', 'abcdefgh']) expect(otp.readTotpCode(bad)).toBeNull();
    expect(otp.readTotpCode('12345678', 6)).toBeNull();
    expect(otp.readTotpCode('123456', 8)).toBeNull();
    expect(otp.readTotpCode('12345678', 8)).toBe('12345678');
  });
});

describe('otpauthUri', () => {
  it('carries the parameters, and otpauth reads the same TOTP back from it', () => {
    const secret = otp.newSecret();
    const parameters = { algorithm: 'SHA256', digits: 8, periodSeconds: 60 } as const;
    const uri = qr.otpauthUri({ issuer: 'Acme', account: 'a@example.com', secret: otp.encodeBase32(secret), parameters });
    expect(uri).toMatch(/&algorithm=SHA256&digits=8&period=60$/);
    const parsed = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    expect({ algorithm: parsed.algorithm, digits: parsed.digits, period: parsed.period }).toEqual({ algorithm: 'SHA256', digits: 8, period: 60 });
    const nowMs = 1_700_000_000_000;
    expect(otp.matchStep(secret, parsed.generate({ timestamp: nowMs }), nowMs, 0, parameters)).toBe(otp.timeStep(nowMs, 60));
  });

  it('keeps SHA1, 6 digits, 30 s by default', () => {
    expect(qr.otpauthUri({ issuer: 'Acme', account: 'a', secret: 'ABC' })).toMatch(/&algorithm=SHA1&digits=6&period=30$/);
  });
});

describe('totpParameters', () => {
  const defaults = { algorithm: 'SHA256', digits: 8, periodSeconds: 60 } as const;
  it('takes each missing parameter from the defaults', () => {
    expect(totpParameters({}, defaults)).toEqual(defaults);
    expect(totpParameters({ algorithm: null, digits: 6 }, defaults)).toEqual({ ...defaults, digits: 6 });
    expect(totpParameters({ algorithm: 'SHA1', digits: 6, period: 30 }, defaults)).toEqual(DEFAULT_TOTP_PARAMETERS);
  });

  it('refuses anything else with INVALID_TOTP_PARAMETERS naming the field', () => {
    const good = { algorithm: fc.constantFrom('SHA1', 'SHA256', 'SHA512'), digits: fc.constantFrom(6, 8), period: fc.constantFrom(30, 60) };
    const bad = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant({}), fc.constant([]));
    fc.assert(
      fc.property(fc.constantFrom('algorithm', 'digits', 'period'), bad, fc.record(good), (field, value, base) => {
        fc.pre(!['SHA1', 'SHA256', 'SHA512', 6, 8, 30, 60].includes(value as never));
        const error = catchError(() => totpParameters({ ...base, [field]: value }, defaults));
        expect([error?.code, error?.details.field]).toEqual(['INVALID_TOTP_PARAMETERS', field]);
      }),
    );
  });
});

describe('totpLabel', () => {
  it('trims, defaults, and keeps 1..64 characters (code points)', () => {
    expect(totpLabel(undefined)).toBe(DEFAULT_TOTP_LABEL);
    expect(totpLabel(null)).toBe(DEFAULT_TOTP_LABEL);
    expect(totpLabel('  Work phone \n')).toBe('Work phone');
    expect(totpLabel('📱'.repeat(64))).toBe('📱'.repeat(64));
    expect(totpLabel('x'.repeat(64))).toBe('x'.repeat(64));
  });

  it('refuses empty, too long, control characters and non-strings with INVALID_TOTP_LABEL', () => {
    for (const bad of ['', '   ', 'x'.repeat(65), '📱'.repeat(65), 'a\u0000b', 'tab\there', 'bell\u0007', 'c1\u0085x', 42, {}]) {
      expect([bad, catchError(() => totpLabel(bad))?.code]).toEqual([bad, 'INVALID_TOTP_LABEL']);
    }
  });

  it('accepts every printable label of 1..64 characters as trimmed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }), (raw) => {
        const trimmed = raw.trim();
        fc.pre(trimmed.length > 0 && !/\p{Cc}/u.test(trimmed) && [...trimmed].length <= 64);
        expect(totpLabel(raw)).toBe(trimmed);
      }),
    );
  });
});

describe('compatibilityNote', () => {
  it('is null for SHA1, 6 digits, 30 s and names the parameters and apps otherwise', () => {
    expect(compatibilityNote(DEFAULT_TOTP_PARAMETERS)).toBeNull();
    const sha256 = compatibilityNote({ algorithm: 'SHA256', digits: 6, periodSeconds: 30 });
    expect(sha256).toMatch(/algorithm SHA256/);
    expect(sha256).toMatch(/Google Authenticator/);
    expect(sha256).toMatch(/Microsoft Authenticator/);
    expect(compatibilityNote({ algorithm: 'SHA1', digits: 8, periodSeconds: 60 })).toMatch(/8 digits, a 60-second period/);
  });
});

function catchError(fn: () => unknown): GatewayError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  return undefined;
}
