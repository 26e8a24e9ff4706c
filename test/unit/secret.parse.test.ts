// Imported secrets as people paste them: base32 in any case with spaces, hyphens and padding, otpauth URIs with their parameters; short, non-base32 and unsupported input refused with coded reasons.
import fc from 'fast-check';
import { TOTP, Secret } from 'otpauth';
import { seedFastCheck } from '../support/fast-check';
import { encodeBase32 } from '../../src/totp/otp.generator';
import { MAX_SECRET_BYTES, MIN_SECRET_BYTES, OTPAUTH_URI_MAX_CHARS, parseBase32Secret, parseOtpauthUri } from '../../src/totp/secret.parse';
import { GatewayError } from '../../src/errors/error.catalogue';

seedFastCheck();

/** RFC 6238 Appendix B's SHA-1 seed, "12345678901234567890" (160 bits). */
const RFC_SEED = Buffer.from('12345678901234567890');
const RFC_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** The coded refusal `fn` throws: code and reason. */
function refusal(fn: () => unknown): { code: string; reason: unknown } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    const e = error as GatewayError;
    return { code: e.code, reason: e.details.reason };
  }
  throw new Error('expected a refusal');
}

describe('parseBase32Secret', () => {
  it.each([
    [RFC_BASE32],
    [RFC_BASE32.toLowerCase()],
    ['gezd gnbv gy3t qojq gezd gnbv gy3t qojq'],
    ['GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ'],
    [`  ${RFC_BASE32}\r\n`],
    [`\ufeff${RFC_BASE32}`],
    ['gezd\u00a0gnbv\u2009gy3t qojq gezd gnbv gy3t qojq'],
  ])('reads %j as the RFC 6238 seed', (pasted) => {
    expect(parseBase32Secret(pasted)).toEqual(RFC_SEED);
  });

  it('accepts = padding and ignores it (a 128-bit secret: 26 characters, 6 of padding)', () => {
    const secret = Buffer.alloc(16, 7);
    const unpadded = encodeBase32(secret);
    expect(unpadded).toHaveLength(26);
    expect(parseBase32Secret(`${unpadded}======`)).toEqual(secret);
    expect(parseBase32Secret(unpadded.toLowerCase())).toEqual(secret);
  });

  it.each([
    ['', 'empty'],
    ['  - ', 'empty'],
    ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1', 'not_base32'], // 1 is not in the alphabet
    ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ0', 'not_base32'],
    ['GEZDGNBV=GY3TQOJQGEZDGNBVGY3TQOJQ', 'not_base32'], // padding inside
    ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA', 'not_base32'], // 33 characters: a tail of 1 encodes no byte
    ['GEZDGNBVGY3TQOJQGEZDGNBV', 'too_short'], // 24 characters: 15 bytes, 120 bits
    ['JBSWY3DPEHPK3PXP', 'too_short'], // the classic 80-bit example
    ['A'.repeat(Math.ceil(((MAX_SECRET_BYTES + 1) * 8) / 5)), 'too_long'],
    ['A '.repeat(300), 'too_long'],
    ['GEZDGNBVGY3TQOJQ\u0000GEZDGNBVGY3TQOJQ', 'not_base32'],
  ])('refuses %j as INVALID_SECRET (%s)', (pasted, reason) => {
    expect(refusal(() => parseBase32Secret(pasted))).toEqual({ code: 'INVALID_SECRET', reason });
  });

  it('never quotes the secret in its message', () => {
    const pasted = 'GEZDGNBVGY3TQOJQGEZDGNBV';
    try {
      parseBase32Secret(pasted);
    } catch (error) {
      expect((error as Error).message).not.toContain(pasted);
      expect(JSON.stringify((error as GatewayError).extensions)).not.toContain(pasted);
    }
  });

  it('round-trips every secret of 16..128 bytes, however it is spaced, cased and padded', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: MIN_SECRET_BYTES, maxLength: MAX_SECRET_BYTES }),
        fc.boolean(),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(' ', '-', '', '\t'),
        fc.integer({ min: 1, max: 8 }),
        (bytes, lower, padding, separator, group) => {
          let text = encodeBase32(bytes);
          if (lower) text = text.toLowerCase();
          text = text.match(new RegExp(`.{1,${group}}`, 'g'))!.join(separator) + '='.repeat(padding);
          expect(parseBase32Secret(text)).toEqual(Buffer.from(bytes));
        },
      ),
    );
  });

  it('decodes as the otpauth library does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: MIN_SECRET_BYTES, maxLength: 64 }), (bytes) => {
        const b32 = new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
        expect(parseBase32Secret(b32)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('answers any string with a secret or a coded INVALID_SECRET, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.stringMatching(/^[a-z2-7 =-]{0,60}$/)), (pasted) => {
        try {
          const secret = parseBase32Secret(pasted);
          expect(secret.length).toBeGreaterThanOrEqual(MIN_SECRET_BYTES);
        } catch (error) {
          expect(error).toBeInstanceOf(GatewayError);
          expect((error as GatewayError).code).toBe('INVALID_SECRET');
        }
      }),
    );
  });
});

describe('parseOtpauthUri', () => {
  it('reads a Google Authenticator style URI: secret, parameters, account and issuer', () => {
    const parsed = parseOtpauthUri(`otpauth://totp/ACME%20Co:alice%40example.com?secret=${RFC_BASE32}&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60`);
    expect(parsed).toEqual({ secret: RFC_SEED, algorithm: 'SHA256', digits: 8, period: 60, account: 'alice@example.com', issuer: 'ACME Co' });
  });

  it('leaves parameters the URI does not give as null (the caller chooses or the defaults apply)', () => {
    expect(parseOtpauthUri(`otpauth://totp/alice?secret=${RFC_BASE32}`)).toEqual({ secret: RFC_SEED, algorithm: null, digits: null, period: null, account: 'alice', issuer: null });
  });

  it('reads a secret as pasted: lower case, spaces (%20 or +), padding; algorithm in any case; unknown parameters ignored', () => {
    const uri = `OTPAUTH://TOTP/Acme:bob?secret=${'gezd gnbv gy3t qojq gezd gnbv gy3t qojq'.replace(/ /g, '%20')}%3D%3D&algorithm=sha512&image=https%3A%2F%2Fx%2Fy.png&foo=bar`;
    expect(parseOtpauthUri(uri)).toMatchObject({ secret: RFC_SEED, algorithm: 'SHA512', account: 'bob', issuer: 'Acme' });
    expect(parseOtpauthUri(`otpauth://totp/x?secret=gezd+gnbv+gy3t+qojq+gezd+gnbv+gy3t+qojq`).secret).toEqual(RFC_SEED);
  });

  it('gives the secret the otpauth library computes codes from (a code from either agrees)', () => {
    const uri = `otpauth://totp/x?secret=${RFC_BASE32}&algorithm=SHA256&digits=8`;
    const parsed = parseOtpauthUri(uri);
    const library = new TOTP({ secret: new Secret({ buffer: Uint8Array.from(parsed.secret).buffer }), algorithm: 'SHA256', digits: 8 });
    expect(library.generate({ timestamp: 59_000 })).toBe(TOTP.generate({ secret: Secret.fromBase32(RFC_BASE32), algorithm: 'SHA256', digits: 8, timestamp: 59_000 }));
  });

  it.each([
    ['https://example.com/?secret=' + RFC_BASE32, 'INVALID_OTPAUTH_URI', 'not_otpauth'],
    [RFC_BASE32, 'INVALID_OTPAUTH_URI', 'not_otpauth'],
    [`otpauth://hotp/x?secret=${RFC_BASE32}&counter=1`, 'INVALID_OTPAUTH_URI', 'not_totp'],
    [`otpauth://steam/x?secret=${RFC_BASE32}`, 'INVALID_OTPAUTH_URI', 'not_totp'],
    [`otpauth://totp/x?secret=${RFC_BASE32}&algorithm=MD5`, 'INVALID_OTPAUTH_URI', 'unsupported_algorithm'],
    [`otpauth://totp/x?secret=${RFC_BASE32}&algorithm=SHA224`, 'INVALID_OTPAUTH_URI', 'unsupported_algorithm'],
    [`otpauth://totp/x?secret=${RFC_BASE32}&digits=7`, 'INVALID_OTPAUTH_URI', 'unsupported_digits'],
    [`otpauth://totp/x?secret=${RFC_BASE32}&digits=six`, 'INVALID_OTPAUTH_URI', 'unsupported_digits'],
    [`otpauth://totp/x?secret=${RFC_BASE32}&period=45`, 'INVALID_OTPAUTH_URI', 'unsupported_period'],
    [`otpauth://totp/x?secret=${RFC_BASE32}&period=0`, 'INVALID_OTPAUTH_URI', 'unsupported_period'],
    [`otpauth://totp/x?secret=${RFC_BASE32}&period=${'9'.repeat(OTPAUTH_URI_MAX_CHARS)}`, 'INVALID_OTPAUTH_URI', 'too_long'],
    [`otpauth://totp/?secret=${RFC_BASE32}`, 'INVALID_OTPAUTH_URI', 'malformed'],
    ['otpauth://totp/x?issuer=ACME', 'INVALID_SECRET', 'empty'],
    ['otpauth://totp/x', 'INVALID_SECRET', 'empty'],
    ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP', 'INVALID_SECRET', 'too_short'],
    ['otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ!', 'INVALID_SECRET', 'not_base32'],
    ['otpauth://totp/x?secret=%E0%A4%A', 'INVALID_SECRET', 'not_base32'],
  ])('refuses %j as %s (%s)', (uri, code, reason) => {
    expect(refusal(() => parseOtpauthUri(uri))).toEqual({ code, reason });
  });

  it('answers any URI-shaped string with a parse or a coded refusal, never anything else', () => {
    const uri = fc
      .tuple(
        fc.constantFrom('otpauth://totp/', 'otpauth://TOTP/', 'otpauth://hotp/', 'otpauth:/totp/', ''),
        fc.string({ maxLength: 20 }),
        fc.array(fc.tuple(fc.constantFrom('secret', 'algorithm', 'digits', 'period', 'issuer', 'x'), fc.string({ maxLength: 40 })), { maxLength: 5 }),
      )
      .map(([prefix, label, params]) => `${prefix}${label}?${params.map(([k, v]) => `${k}=${v}`).join('&')}`);
    fc.assert(
      fc.property(uri, (text) => {
        try {
          parseOtpauthUri(text);
        } catch (error) {
          expect(error).toBeInstanceOf(GatewayError);
          expect(['INVALID_SECRET', 'INVALID_OTPAUTH_URI']).toContain((error as GatewayError).code);
        }
      }),
    );
  });
});
