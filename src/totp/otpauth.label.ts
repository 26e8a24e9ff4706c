// Pure rules for the label of an otpauth URI (Key URI format,
// github.com/google/google-authenticator/wiki/Key-Uri-Format): `ISSUER:ACCOUNT`, with exactly one
// colon, the issuer repeated as the `issuer` parameter, both percent-encoded (RFC 3986 §2.1). No I/O.
//
// The rule, applied to the issuer (the project name) and the account (the user's email, else phone
// number, else user id) alike:
//   1. Unpaired UTF-16 surrogates become U+FFFD (they have no UTF-8 form to percent-encode), and the
//      text is put in Unicode NFC, so one name always gives one label.
//   2. Every colon becomes a space: the ASCII colon, its look-alikes that an app or a person could take
//      for the separator (full-width U+FF1A, small U+FE55, vertical U+FE13, ratio U+2236, modifier
//      letter colons U+02D0, U+02F8 and U+A789, two-dot punctuation U+205A, Armenian full stop U+0589,
//      Hebrew sof pasuq U+05C3), and a literal `%3A` (any case), which a parser that decodes twice would
//      otherwise read as the separator.
//   3. Control characters (Unicode Cc), line and paragraph separators become spaces; direction
//      overrides and marks (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069, U+061C), which could make
//      the label display as something else, and zero-width spaces (U+200B, U+2060, U+FEFF) are dropped.
//   4. Runs of whitespace become one space; leading and trailing whitespace goes. Anything else (`/`,
//      `?`, `#`, `&`, `=`, `+`, `%`, non-ASCII letters, emoji) is kept and percent-encoded.
//   5. An issuer that is then empty is FALLBACK_ISSUER; an account that is then empty is FALLBACK_ACCOUNT.
//   6. Length: the percent-encoded issuer is at most ISSUER_MAX_URI_BYTES, the account at most
//      ACCOUNT_MAX_URI_BYTES. A longer one is cut at a user-perceived character (grapheme cluster,
//      Unicode UAX #29) so that, with "…" (U+2026) appended, it fits. This bounds the whole URI (see
//      OTPAUTH_URI_MAX_BYTES in totp.generator.ts) so its QR code always fits, whatever the inputs.

/** At most this many bytes of percent-encoded issuer, in the label and again in `issuer=`. */
export const ISSUER_MAX_URI_BYTES = 200;
/** At most this many bytes of percent-encoded account: every ordinary email address (RFC 5321 §4.5.3.1.3: 254 octets) stays whole. */
export const ACCOUNT_MAX_URI_BYTES = 400;
/** The issuer when the project name has nothing printable left after cleaning. */
export const FALLBACK_ISSUER = 'TOTP';
/** The account when the user's identifier has nothing printable left after cleaning. */
export const FALLBACK_ACCOUNT = 'account';
/** Appended to a label part that was shortened. */
export const ELLIPSIS = '\u2026';

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const COLONS = /%3a|[:\u02D0\u02F8\u0589\u05C3\u205A\u2236\uA789\uFE13\uFE55\uFF1A]/giu;
const CONTROLS = /[\p{Cc}\u2028\u2029]/gu;
const INVISIBLES = /[\u061C\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/gu;
const WHITESPACE_RUNS = /\s+/gu;
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Bytes of `text` once percent-encoded as a URI component. */
export function uriBytes(text: string): number {
  return encodeURIComponent(text).length;
}

/** Steps 1 to 4 of the rule: the text as it may appear in a label, possibly empty. */
export function cleanLabelPart(text: string): string {
  return text
    .replace(LONE_SURROGATES, '\uFFFD')
    .normalize('NFC')
    .replace(COLONS, ' ')
    .replace(INVISIBLES, '')
    .replace(CONTROLS, ' ')
    .replace(WHITESPACE_RUNS, ' ')
    .trim();
}

/** Step 6: `text` if its encoding fits `maxBytes`, else its longest whole-grapheme prefix that fits with an ellipsis. */
function shortenLabelPart(text: string, maxBytes: number): string {
  if (uriBytes(text) <= maxBytes) return text;
  const budget = maxBytes - uriBytes(ELLIPSIS);
  let kept = '';
  let used = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    const bytes = uriBytes(segment);
    if (used + bytes > budget) break;
    kept += segment;
    used += bytes;
  }
  return kept.trimEnd() + ELLIPSIS;
}

/** The issuer and account as they appear, unencoded, in the label and the `issuer` parameter. */
export interface OtpauthLabel {
  readonly issuer: string;
  readonly account: string;
}

/** The whole rule (see the top of this file) for one issuer and account. */
export function otpauthLabel(issuer: string, account: string): OtpauthLabel {
  return {
    issuer: shortenLabelPart(cleanLabelPart(issuer) || FALLBACK_ISSUER, ISSUER_MAX_URI_BYTES),
    account: shortenLabelPart(cleanLabelPart(account) || FALLBACK_ACCOUNT, ACCOUNT_MAX_URI_BYTES),
  };
}
