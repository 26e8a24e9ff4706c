// Pure rules for codes as people type them: what a TOTP code and a recovery code may look like on the
// way in, and the one alphabet new recovery codes are drawn from. No I/O.
//
// NIST SP 800-63B §5.1.2 (look-up secrets) and §5.1.4 (OTP devices) leave input formatting to the
// verifier; OWASP ASVS 2.8 asks that a code be verified, not its spelling. So separators are dropped and
// letter case is ignored before a code is verified, and a code that is still malformed after that is
// refused before it can spend an attempt.

/**
 * Characters dropped from a typed code before it is verified: every Unicode space (the White_Space
 * property, Unicode UAX #44: ASCII space, tab and line breaks, U+0085 next line, U+00A0 no-break space,
 * U+202F narrow no-break space that apps put between digit groups, U+2009 thin space, U+3000
 * ideographic space, U+1680 ogham space mark, ...; JavaScript's `\s` misses U+0085), the invisible
 * U+200B zero-width space, U+2060 word joiner and U+FEFF byte order mark that copy-paste brings along, hyphen-minus and the Unicode hyphens and dashes
 * (U+2010..U+2015: hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar), U+2212
 * minus sign, and full stops. Nothing else is changed: full-width or other non-ASCII digits and
 * letters are not translated, so such a code is malformed.
 */
const CODE_SEPARATORS = /[\p{White_Space}\u200B\u2060\uFEFF\-\u2010-\u2015\u2212.]/gu;

/** Longer typed input is malformed without being looked at (a code with generous separators is far shorter). */
export const CODE_INPUT_MAX_CHARS = 64;

const ASCII_DIGITS = /^[0-9]+$/;

/**
 * The TOTP code in what a person typed (`559 906`, ` 559906 `, `559-906`), or null when, separators
 * dropped, it is not exactly `digits` ASCII digits.
 */
export function parseTotpCode(typed: string, digits: number): string | null {
  if (typed.length > CODE_INPUT_MAX_CHARS) return null;
  const code = typed.replace(CODE_SEPARATORS, '');
  return code.length === digits && ASCII_DIGITS.test(code) ? code : null;
}

/**
 * Crockford's base32 alphabet (www.crockford.com/base32.html), in lowercase: the digits and the
 * letters but i, l, o and u, so no two glyphs look alike.
 */
export const RECOVERY_CODE_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Characters in a recovery code, and in each of its display groups. */
export const RECOVERY_CODE_CHARS = 12;
const RECOVERY_CODE_GROUP_CHARS = 4;
/** Crockford's decoding of look-alikes: o reads as 0, i and l read as 1 (u stays invalid). */
const CROCKFORD_MISREADS: Readonly<Record<string, string>> = { o: '0', i: '1', l: '1' };
const CROCKFORD_CHARS = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]+$`);
/** Codes issued before the Crockford alphabet used all of a-z and 0-9. */
const LEGACY_CHARS = /^[A-Za-z0-9]+$/;

/**
 * The display and stored shape of a recovery code, `xxxx-xxxx-xxxx` in lowercase, from its 12
 * characters. Stored hashes are of exactly this shape, for codes of either alphabet.
 */
export function formatRecoveryCode(chars: string): string {
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += RECOVERY_CODE_GROUP_CHARS) groups.push(chars.slice(i, i + RECOVERY_CODE_GROUP_CHARS));
  return groups.join('-');
}

/**
 * The stored forms a typed recovery code may match, most likely first, or null when it is malformed:
 * separators dropped (CODE_SEPARATORS), it must be 12 ASCII letters or digits, in any case.
 * - The Crockford reading: lowercased, o read as 0 and i, l as 1; present when every character is
 *   then in RECOVERY_CODE_ALPHABET. This is how every code issued now is matched, misread or not.
 * - The literal reading: lowercased as typed. Codes issued before the Crockford alphabet (all of
 *   a-z0-9, so they may hold o, i, l or u) are stored in this form and keep working exactly as issued.
 * Both are in the stored shape (formatRecoveryCode); when they are equal there is one.
 */
export function parseRecoveryCode(typed: string): string[] | null {
  if (typed.length > CODE_INPUT_MAX_CHARS) return null;
  const chars = typed.replace(CODE_SEPARATORS, '');
  if (chars.length !== RECOVERY_CODE_CHARS || !LEGACY_CHARS.test(chars)) return null;
  const literal = chars.toLowerCase();
  const crockford = literal.replace(/[oil]/g, (c) => CROCKFORD_MISREADS[c]);
  const forms = CROCKFORD_CHARS.test(crockford) ? [formatRecoveryCode(crockford)] : [];
  if (literal !== crockford || !forms.length) forms.push(formatRecoveryCode(literal));
  return forms;
}
