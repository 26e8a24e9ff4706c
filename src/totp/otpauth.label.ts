// Pure rules for the label of an otpauth URI (Key URI format,
// github.com/google/google-authenticator/wiki/Key-Uri-Format): `ISSUER:ACCOUNT`, with exactly one
// colon, the issuer repeated as the `issuer` parameter, both percent-encoded (RFC 3986 §2.1). No I/O.
//
// The rule, applied to the issuer (the project name) and the account (the user's email, else phone
// number, else user id) alike:
//   1. Unpaired UTF-16 surrogates become U+FFFD (they have no UTF-8 form to percent-encode).
//   2. Control characters (Unicode Cc, including U+0085), line and paragraph separators become spaces.
//      Every Default_Ignorable_Code_Point (Unicode UAX #44: zero-width spaces and joiners, direction
//      marks and overrides, soft hyphen U+00AD, Hangul fillers U+115F, U+1160, U+3164, U+FFA0, variation
//      selectors, tag characters U+E0000..U+E007F, ...), every other format character (Cf) and the
//      blank braille pattern U+2800 are dropped: none can be seen, so none may hide or split anything.
//      The one exception is a zero-width joiner between two emoji (UTS #51 ZWJ sequences: 👨‍👩‍👧).
//      This comes BEFORE the colon step, so an invisible character can never split a `%3A` (or a colon
//      and its marks) that the colon step would then miss.
//   3. Every colon becomes a space: the ASCII colon, its look-alikes that an app or a person could take
//      for the separator (see COLON_LOOKALIKES, from the Unicode confusables of U+003A, UTS #39), and a
//      literal `%3A` (any case), which a parser that decodes twice would otherwise read as the
//      separator; combining marks on a colon go with it. The step looks at the canonically decomposed
//      text (NFD), so a mark composed onto the `A` of `%3A` cannot hide it either.
//   4. The text is put in Unicode NFC, so one name always gives one label; runs of whitespace become
//      one space; leading and trailing whitespace goes. Anything else (`/`, `?`, `#`, `&`, `=`, `+`,
//      `%`, non-ASCII letters, emoji) is kept and percent-encoded.
//   Steps 2 to 4 are repeated until nothing changes (at most CLEAN_MAX_PASSES times), so cleaning a
//   cleaned text changes nothing, and the result is NFC with no colon, look-alike or `%3A` in it.
//   5. An issuer that is then empty is FALLBACK_ISSUER; an account that is then empty is FALLBACK_ACCOUNT.
//   6. Length: the percent-encoded issuer is at most ISSUER_MAX_URI_BYTES, the account at most
//      ACCOUNT_MAX_URI_BYTES. A longer one is cut at a user-perceived character (grapheme cluster,
//      Unicode UAX #29) so that, with "…" (U+2026) appended, it fits. This bounds the whole URI (see
//      OTPAUTH_URI_MAX_BYTES in qr.generator.ts) so its QR code always fits, whatever the inputs.

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
/**
 * Characters an app or a person could take for the label's separator: the ASCII colon and its
 * look-alikes (Unicode confusables of U+003A, UTS #39, and the other two-dot punctuation): modifier
 * letter colons U+02D0, U+02F8, U+A789, Armenian full stop U+0589, Hebrew sof pasuq U+05C3, Syriac
 * colons U+0703..U+0708, Devanagari and Gujarati visarga U+0903, U+0A83, Ethiopic wordspace U+1361,
 * runic multiple punctuation U+16EC, Mongolian colon and full stops U+1803, U+1804, U+1809, two-dot
 * punctuation U+205A, ratio U+2236, Z notation type colon U+2982, Lisu letter tone U+A4FD, Bamum colon
 * U+A6F4, presentation forms U+FE13, U+FE30, U+FE55, full-width colon U+FF1A. Regular expression
 * source for a character class (escapes, so no combining character stands in the class literally).
 */
export const COLON_LOOKALIKES = ':\\u02D0\\u02F8\\u0589\\u05C3\\u0703-\\u0708\\u0903\\u0A83\\u1361\\u16EC\\u1803\\u1804\\u1809\\u205A\\u2236\\u2982\\uA4FD\\uA6F4\\uA789\\uFE13\\uFE30\\uFE55\\uFF1A';
// eslint-disable-next-line no-misleading-character-class -- the visarga signs U+0903, U+0A83 are colon look-alikes on their own; the `u` class matches each code point
const COLONS = new RegExp(`(?:%3a|[${COLON_LOOKALIKES}])\\p{M}*`, 'giu');
const CONTROLS = /[\p{Cc}\u2028\u2029]/gu;
const INVISIBLES = /(?!\u200D)[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/gu;
/** A zero-width joiner is kept only where it joins two emoji into one (Unicode UTS #51 ZWJ sequences). */
const STRAY_JOINERS = /(?<!\p{Extended_Pictographic}\p{Emoji_Modifier}?)\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
const WHITESPACE_RUNS = /\p{White_Space}+/gu;
/** Passes of steps 2 to 4 at most; one is always enough for the rule as written, the bound keeps it so. */
const CLEAN_MAX_PASSES = 4;
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Bytes of `text` once percent-encoded as a URI component. */
export function uriBytes(text: string): number {
  return encodeURIComponent(text).length;
}

/** One pass of steps 2 to 4, in that order. */
function cleanPass(text: string): string {
  return text
    .replace(CONTROLS, ' ')
    .replace(INVISIBLES, '')
    .replace(STRAY_JOINERS, '')
    .normalize('NFD')
    .replace(COLONS, ' ')
    .normalize('NFC')
    .replace(WHITESPACE_RUNS, ' ')
    .trim();
}

/** Steps 1 to 4 of the rule: the text as it may appear in a label, possibly empty; NFC, and cleaning it again changes nothing. */
export function cleanLabelPart(text: string): string {
  let cleaned = text.replace(LONE_SURROGATES, '\uFFFD');
  for (let pass = 0; pass < CLEAN_MAX_PASSES; pass += 1) {
    const next = cleanPass(cleaned);
    if (next === cleaned) break;
    cleaned = next;
  }
  return cleaned.normalize('NFC');
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
