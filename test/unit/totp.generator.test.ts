// The pure OTP module against RFC 6238 Appendix B, and the shape of what enrollment hands out.
import { randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import * as otp from '../../src/totp/otp.generator';
import * as qr from '../../src/totp/qr.generator';
import * as recovery from '../../src/totp/recovery-code.generator';
import { RFC6238_SEEDS, RFC6238_VECTORS } from '../support/rfc6238';

const SEEDS = RFC6238_SEEDS;
const VECTORS = RFC6238_VECTORS;

describe('RFC 6238 Appendix B vectors', () => {
  it.each(VECTORS)('T=%i', (seconds, sha1, sha256, sha512) => {
    const step = otp.timeStep(seconds * 1000);
    expect(otp.codeAt(SEEDS.SHA1, step, 8, 'sha1')).toBe(sha1);
    expect(otp.codeAt(SEEDS.SHA256, step, 8, 'sha256')).toBe(sha256);
    expect(otp.codeAt(SEEDS.SHA512, step, 8, 'sha512')).toBe(sha512);
  });
});

describe('codeAt against otplib', () => {
  it('agrees on 500 random 160-bit secrets and steps, leading zeros included', () => {
    let leadingZeros = 0;
    for (let i = 0; i < 500; i++) {
      const secret = randomBytes(otp.SECRET_BYTES);
      const step = 50_000_000 + Math.floor(Math.random() * 10_000_000);
      const ours = otp.codeAt(secret, step);
      expect(ours).toBe(generateSync({ secret, epoch: step * otp.PERIOD_SECONDS, period: otp.PERIOD_SECONDS }));
      if (ours.startsWith('0')) leadingZeros++;
    }
    // About one code in ten starts with 0; padding is what this checks.
    expect(leadingZeros).toBeGreaterThan(0);
  });

  it('agrees for counters past 2^32, where the high bytes of the counter are no longer zero', () => {
    for (const step of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 12_345, 2 ** 40 + 7, 2 ** 47 + 99]) {
      const secret = randomBytes(otp.SECRET_BYTES);
      expect({ step, code: otp.codeAt(secret, step) }).toEqual({
        step,
        code: generateSync({ secret, epoch: step * otp.PERIOD_SECONDS, period: otp.PERIOD_SECONDS }),
      });
    }
  });
});

describe('matchStep', () => {
  const secret = SEEDS.SHA1;
  const now = 1_700_000_000_000;
  const step = otp.timeStep(now);

  it('accepts the previous, current and next step and says which', () => {
    for (const offset of [-1, 0, 1]) {
      expect(otp.matchStep(secret, otp.codeAt(secret, step + offset), now)).toBe(step + offset);
    }
  });

  it('with a grace, keeps the step before the previous one for that long after a boundary, and no longer', () => {
    const boundary = step * otp.PERIOD_SECONDS * 1000;
    const grace = otp.TRANSIT_GRACE_MS;
    const twoBack = otp.codeAt(secret, step - 2);
    expect(otp.matchStep(secret, twoBack, boundary, grace)).toBe(step - 2);
    expect(otp.matchStep(secret, twoBack, boundary + grace - 1, grace)).toBe(step - 2);
    expect(otp.matchStep(secret, twoBack, boundary + grace, grace)).toBeNull();
    // Only the past side grows: the step after next is refused at the boundary too.
    expect(otp.matchStep(secret, otp.codeAt(secret, step + 2), boundary, grace)).toBeNull();
    expect(otp.matchStep(secret, otp.codeAt(secret, step - 3), boundary, grace)).toBeNull();
    // Without one (a verified TOTP), the boundary changes nothing.
    expect(otp.matchStep(secret, twoBack, boundary)).toBeNull();
  });

  it('refuses codes two steps away and wrong codes', () => {
    expect(otp.matchStep(secret, otp.codeAt(secret, step - 2), now)).toBeNull();
    expect(otp.matchStep(secret, otp.codeAt(secret, step + 2), now)).toBeNull();
    const wrong = String((Number(otp.codeAt(secret, step)) + 1) % 1_000_000).padStart(6, '0');
    expect(otp.matchStep(secret, wrong, now)).toBeNull();
  });
});

describe('enrollment material', () => {
  it('makes 160-bit secrets that round-trip through base32', () => {
    const secret = otp.newSecret();
    expect(secret).toHaveLength(20);
    const encoded = otp.encodeBase32(secret);
    expect(encoded).toMatch(/^[A-Z2-7]{32}$/);
    expect(Buffer.from(otp.decodeBase32(encoded))).toEqual(secret);
  });

  it('writes the otpauth URI of the contract, URI-encoding issuer and account', () => {
    expect(qr.otpauthUri({ issuer: 'Acme Co', account: 'ann+1@example.com', secret: 'JBSWY3DPEHPK3PXP' })).toBe(
      'otpauth://totp/Acme%20Co:ann%2B1%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Co&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('makes 10 distinct recovery codes of the form xxxx-xxxx-xxxx', () => {
    const codes = recovery.newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(recovery.RECOVERY_CODE_PATTERN);
  });

  it('renders PNG and SVG QR codes that decode to exactly the URI', () => {
    const uri = qr.otpauthUri({ issuer: 'Acme Co', account: 'ann@example.com', secret: otp.encodeBase32(otp.newSecret()) });
    const { png, svg } = qr.qrCodes(uri);
    expect(png).toMatch(/^data:image\/png;base64,/);
    const image = PNG.sync.read(Buffer.from(png.slice('data:image/png;base64,'.length), 'base64'));
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(uri);
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 (\d+) \1"/);
  });
});
