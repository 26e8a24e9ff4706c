// Cleaning a label part is a fixed point: invisibles, controls and combining marks can never hide a colon, a look-alike or a `%3A` from the colon rule, and the result is NFC.
import fc from 'fast-check';
import * as otp from '../../src/totp/otp.generator';
import * as qr from '../../src/totp/qr.generator';
import { cleanLabelPart, COLON_LOOKALIKES, FALLBACK_ISSUER, otpauthLabel } from '../../src/totp/otpauth.label';
import { seedFastCheck } from '../support/fast-check';

seedFastCheck();

const ANY_COLON = new RegExp(`[${COLON_LOOKALIKES}]|%3a`, 'iu');
const SECRET = otp.encodeBase32(Buffer.alloc(otp.SECRET_BYTES, 7));

/** Invisible or control characters a name could carry (zero-width, direction, fillers, tags, selectors, soft hyphen, NEL). */
const INVISIBLE_SAMPLES = [
  '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u202A', '\u202E', '\u2060', '\u2066', '\u2069', '\u061C', '\uFEFF',
  '\u00AD', '\u034F', '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800', '\u180E', '\uFE0F', '\uFE00', '\u{E0001}', '\u{E0041}',
  '\u{E007F}', '\u{E0100}', '\u0000', '\u0085', '\u009B', '\u2028',
];
const COLON_SAMPLES = [...':\u02D0\u02F8\u0589\u05C3\u0703\u0704\u0903\u0A83\u1361\u16EC\u1804\u205A\u2236\u2982\uA4FD\uA789\uFE13\uFE30\uFE55\uFF1A'];
const MARKS = ['\u0301', '\u0308', '\u0327', '\u030A'];
/** An alphabet rich in what makes a `%3A`, colons, invisibles and combining marks. */
const ALPHABET = ['%', '3', 'A', 'a', 'e', 'E', ' ', '\u00C1', '\u{1F468}', '\u{1F3FB}', ...INVISIBLE_SAMPLES, ...COLON_SAMPLES, ...MARKS];
const NAMES = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 24 }).map((chars) => chars.join(''));

describe('cleanLabelPart', () => {
  it('is idempotent, gives NFC, and leaves no colon, look-alike or %3A, for any mix of those characters', () => {
    fc.assert(
      fc.property(NAMES, (name) => {
        const cleaned = cleanLabelPart(name);
        expect(cleanLabelPart(cleaned)).toBe(cleaned);
        expect(cleaned.normalize('NFC')).toBe(cleaned);
        expect(cleaned).not.toMatch(ANY_COLON);
        expect(cleaned.normalize('NFD')).not.toMatch(ANY_COLON);
        // What an app reads: exactly one separator, whether it decodes the label once or twice.
        const uri = qr.otpauthUri({ issuer: name, account: name, secret: SECRET });
        const rawLabel = uri.slice('otpauth://totp/'.length, uri.indexOf('?'));
        expect(decodeURIComponent(rawLabel).split(':')).toHaveLength(2);
        expect(decodeURIComponent(rawLabel)).not.toMatch(/%3a/i);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['Acme%3\u200BAEvil'], ['Acme%3\u2060AEvil'], ['Acme%3\u202EAEvil'], ['Acme%3\u200EAEvil'], ['Acme%\u00AD3AEvil'],
    ['Acme%3\u{E0041}AEvil'], ['Acme%3\uFE0FAEvil'], ['Acme%3\u3164AEvil'], ['Acme%3\u2800AEvil'], ['Acme%3A\u0301Evil'],
    ['Acme:\u0301Evil'], ['Acme\u1361Evil'], ['Acme\u0903Evil'], ['Acme\u16ECEvil'], ['Acme\u1804Evil'], ['Acme\uFE30Evil'],
    ['Acme\uA4FDEvil'], ['Acme\u0703Evil'], ['Acme\u2982Evil'], ['Acme\uFE13Evil'], ['Acme\uFF1AEvil'], ['Acme\u2236Evil'],
    ['Acme\u02D0Evil'], ['Acme\uA789Evil'],
  ])('%j: an invisible, a mark or a look-alike never leaves a separator behind', (name) => {
    const cleaned = cleanLabelPart(name);
    expect(cleaned).toMatch(/^Acme ?.*Evil$/u);
    expect(cleaned).not.toMatch(ANY_COLON);
    expect(encodeURIComponent(cleaned)).not.toMatch(/%253A/i);
  });

  it('puts the result in NFC after removals', () => {
    expect(cleanLabelPart('e\u200B\u0301 Co')).toBe('\u00E9 Co');
    expect(cleanLabelPart('e\u00AD\u0301\u{E0020}\u0327')).toBe('e\u0301\u0327'.normalize('NFC'));
  });

  it('an issuer that is only invisible characters becomes the fallback issuer', () => {
    for (const name of ['\u3164', '\u2800\u2800', '\u00AD', '\u115F\u1160', '\uFFA0', '\u{E0041}\u{E007F}', '\uFE0F', '\u200B\u2060\uFEFF', '\u0085']) {
      expect(otpauthLabel(name, 'ada@example.com').issuer).toBe(FALLBACK_ISSUER);
    }
  });
});
