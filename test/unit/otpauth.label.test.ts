// The otpauth label rule: exactly one colon, issuer in the label equal to the issuer parameter, and a URI whose QR code always fits.
import { URI } from 'otpauth';
import QRCode from 'qrcode';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import * as otp from '../../src/totp/otp.generator';
import * as qr from '../../src/totp/qr.generator';
import {
  ACCOUNT_MAX_URI_BYTES,
  cleanLabelPart,
  ELLIPSIS,
  FALLBACK_ACCOUNT,
  FALLBACK_ISSUER,
  ISSUER_MAX_URI_BYTES,
  otpauthLabel,
  uriBytes,
} from '../../src/totp/otpauth.label';

const SECRET = otp.encodeBase32(Buffer.alloc(otp.SECRET_BYTES, 7));

/** What an app reads: the raw label split at its colons, and the parsed URI (the `otpauth` package). */
function read(uri: string) {
  const url = new URL(uri);
  const rawLabel = uri.slice('otpauth://totp/'.length, uri.indexOf('?'));
  const parsed = URI.parse(uri);
  return {
    labelParts: rawLabel.split(':').map(decodeURIComponent),
    issuerParam: url.searchParams.get('issuer'),
    issuer: parsed.issuer,
    account: parsed.label,
    secret: parsed.secret.base32,
  };
}

function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

const NAMES: Array<[string, string, string]> = [
  // [issuer in, account in, issuer out]
  ['Acme: Staging', 'ada@example.com', 'Acme Staging'],
  ['Acme：Staging', 'ada@example.com', 'Acme Staging'], // full-width colon U+FF1A
  ['Acme ∶ Staging ꞉ EU﹕x', 'ada@example.com', 'Acme Staging EU x'], // ratio, modifier colon, small colon
  ['Acme%3AStaging%3a', 'ada@example.com', 'Acme Staging'], // a literal percent-encoded colon
  ['  Acme\tStaging\r\n', 'ada@example.com', 'Acme Staging'],
  ['Acme\u0000\u0007\u001b[31m\u007f', 'ada@example.com', 'Acme [31m'],
  ['\u202eAcme\u202c\u200b Co\u2028Ltd', 'ada@example.com', 'Acme Co Ltd'], // bidi override, zero-width space, line separator
  ['a/b?c#d&e=f+g %20 100%', 'ada@example.com', 'a/b?c#d&e=f+g %20 100%'],
  ['Acmé Ünïcode 株式会社 🚀', 'ada@example.com', 'Acmé Ünïcode 株式会社 🚀'],
  ['Acme\uD800 broken', 'ada@example.com', 'Acme\uFFFD broken'], // an unpaired surrogate
  [':::', 'ada@example.com', FALLBACK_ISSUER],
  [' \u0000 ', 'ada@example.com', FALLBACK_ISSUER],
  ['Acme', '"ada:lovelace"@example.com', 'Acme'],
  ['Acme', 'ada@exa:mple.com：x', 'Acme'],
  ['Acme', '+15555550123', 'Acme'],
  ['Acme', 'user-6f1c2a7e-1b2c-4d5e-8f90-123456789abc', 'Acme'],
  ['Acme', ':\n:', 'Acme'],
];

describe('otpauth label', () => {
  it.each(NAMES)('%j / %j: one separator, the issuer equals the issuer parameter, and otpauth reads it back', (issuerIn, accountIn, issuerOut) => {
    const uri = qr.otpauthUri({ issuer: issuerIn, account: accountIn, secret: SECRET });
    const label = otpauthLabel(issuerIn, accountIn);
    const read_ = read(uri);
    expect(read_.labelParts).toEqual([label.issuer, label.account]);
    expect(label.issuer).toBe(issuerOut);
    expect(read_.issuerParam).toBe(issuerOut);
    expect(read_.issuer).toBe(issuerOut);
    expect(read_.account).toBe(label.account);
    expect(read_.account).not.toMatch(/[:\uFF1A]/);
    expect(read_.secret).toBe(SECRET);
    expect(decodeQr(qr.qrCodes(uri).png)).toBe(uri);
  });

  it('keeps ordinary accounts exactly and falls back for an empty one', () => {
    expect(otpauthLabel('Acme', 'ann+1@example.com').account).toBe('ann+1@example.com');
    expect(otpauthLabel('Acme', '"ada:lovelace"@example.com').account).toBe('"ada lovelace"@example.com');
    expect(otpauthLabel('Acme', ' : ').account).toBe(FALLBACK_ACCOUNT);
  });

  it('cleans to NFC, so composed and decomposed names give one label', () => {
    expect(cleanLabelPart('Cafe\u0301')).toBe('Caf\u00e9');
  });

  it('shortens a long issuer and account at whole characters, with an ellipsis, within their byte budgets', () => {
    const family = '👨‍👩‍👧‍👦'; // one grapheme of 7 code points
    for (const [issuer, account] of [
      ['漢'.repeat(200), '用'.repeat(64) + '@例え.jp'],
      [family.repeat(40), `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`],
      ['x'.repeat(255), 'é'.repeat(320)],
    ]) {
      const label = otpauthLabel(issuer, account);
      expect(uriBytes(label.issuer)).toBeLessThanOrEqual(ISSUER_MAX_URI_BYTES);
      expect(uriBytes(label.account)).toBeLessThanOrEqual(ACCOUNT_MAX_URI_BYTES);
      for (const [whole, part] of [[issuer, label.issuer], [account, label.account]]) {
        if (part === whole) continue;
        expect(part.endsWith(ELLIPSIS)).toBe(true);
        expect(whole.startsWith(part.slice(0, -ELLIPSIS.length))).toBe(true);
      }
    }
    const families = otpauthLabel(family.repeat(40), 'a').issuer.slice(0, -ELLIPSIS.length);
    expect(families.length % family.length).toBe(0); // never half a family
    // A 254-octet ASCII email (RFC 5321's limit) is kept whole.
    const longest = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(longest).toHaveLength(254);
    expect(otpauthLabel('Acme', longest).account).toBe(longest);
  });
});

describe('otpauth URI size', () => {
  it('OTPAUTH_URI_MAX_BYTES is the byte capacity of the largest QR version allowed at the level used', () => {
    const fits = QRCode.create('x'.repeat(qr.OTPAUTH_URI_MAX_BYTES), { errorCorrectionLevel: qr.QR_ERROR_CORRECTION });
    const over = QRCode.create('x'.repeat(qr.OTPAUTH_URI_MAX_BYTES + 1), { errorCorrectionLevel: qr.QR_ERROR_CORRECTION });
    expect(fits.version).toBe(25);
    expect(over.version).toBe(fits.version + 1);
  });

  it('the worst case of both budgets fits, and its QR code decodes to the URI', () => {
    // Every character percent-encoded to 9 bytes (3 UTF-8 bytes), no character in a cheaper QR mode.
    const uri = qr.otpauthUri({ issuer: '漢'.repeat(500), account: '用'.repeat(500), secret: SECRET });
    expect(Buffer.byteLength(uri)).toBeLessThanOrEqual(qr.OTPAUTH_URI_MAX_BYTES);
    expect(decodeQr(qr.qrCodes(uri).png)).toBe(uri);
  });

  it('refuses a secret no enrollment makes rather than return a URI that may not fit', () => {
    expect(() => qr.otpauthUri({ issuer: 'Acme', account: 'a', secret: 'A'.repeat(1000) })).toThrow(RangeError);
  });
});
