// Pure normalisation of the identifiers a user is known by (email, phone number), so that one person
// cannot hold two users of a project through two spellings of one address. No I/O: the service, the
// input validators and the migration that rewrites stored rows all call these same functions.
import { toASCII } from 'tr46';
import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** The `users.email` column's width; a normalised address longer than this is refused. */
export const EMAIL_MAX_CHARS = 320;
/** Longest phone input looked at (spaces, dashes and brackets included); E.164 itself is at most 16. */
const PHONE_NUMBER_INPUT_MAX_CHARS = 64;
/**
 * Parses of one phone number within which its E.164 form must reach a fixed point: each parse drops one
 * trunk prefix (`+27 0 0 0 2414143` → `+27002414143` → `+2702414143` → `+272414143`), and the last
 * confirms the result parses to itself. So up to three written trunk prefixes are dropped.
 */
const PHONE_PARSE_MAX_ROUNDS = 4;

/**
 * The one stored form of an email address, or null when it is not a valid address.
 *
 * - Surrounding whitespace is dropped and the whole address is put in Unicode NFC (RFC 6532 §3.1), so
 *   `é` typed as U+00E9 or as `e` + U+0301 is one address.
 * - The local part is read for its meaning, then folded (normalizeLocalPart): quotes and backslash
 *   escapes dropped, fullwidth/halfwidth forms mapped, case folded. Uniqueness per project has always
 *   been case-insensitive, although RFC 5321 §2.4 lets a mail server tell case apart. Nothing else is
 *   folded: dots and `+tags` mean what the receiving domain says they mean.
 * - The domain goes through IDNA (UTS #46 ToASCII with WHATWG URL's options, by `tr46`, the WHATWG
 *   URL reference implementation's IDNA module, so every Node.js version gives one answer): case-folded,
 *   width-folded (fullwidth letters and dots), NFC, and written in its ASCII (punycode, RFC 5891)
 *   form, so `bücher.example`, `BÜCHER.example` and `xn--bcher-kva.example` are one domain. A
 *   trailing root dot (`example.com.`, RFC 1034 §3.1) names the same domain and is dropped.
 * - The result must pass the same email syntax check the input always had, and fit the column.
 *
 * Idempotent: the stored form normalises to itself (unit-tested as a property).
 */
export function normalizeEmail(raw: string): string | null {
  const address = raw.trim().normalize('NFC');
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const local = normalizeLocalPart(address.slice(0, at));
  if (local === null) return null;
  let domain = domainToAscii(address.slice(at + 1));
  if (domain?.endsWith('.')) domain = domain.slice(0, -1);
  if (!domain) return null;
  const email = `${local}@${domain.toLowerCase()}`;
  return email.length <= EMAIL_MAX_CHARS && isValidEmailSyntax(email) ? email : null;
}

/**
 * UTS #46 §4.2 ToASCII as the WHATWG URL Standard's "domain to ASCII" (not beStrict) calls it, or null
 * when IDNA refuses the domain (invalid punycode such as `xn--a`, a bidi or joiner rule broken).
 * Node's own `url.domainToASCII` follows whichever URL Standard revision its bundled parser implements
 * (Node 24 keeps invalid punycode as written), so the rule is pinned here instead.
 */
function domainToAscii(domain: string): string | null {
  return toASCII(domain, {
    checkBidi: true,
    checkHyphens: false,
    checkJoiners: true,
    useSTD3ASCIIRules: false,
    verifyDNSLength: false,
    transitionalProcessing: false,
  });
}

// RFC 5322 §3.2.5 quoted-string (RFC 5321 §4.1.2 Quoted-string): DQUOTE, then text and quoted-pairs `\x`.
const QUOTED_STRING = '"(?:[^"\\\\]|\\\\[\\s\\S])*"';
// RFC 5322 §3.4.1 local-part, and its §4.4 obs-local-part: words (atoms or quoted-strings) joined by dots.
const QUOTED_LOCAL_PART = new RegExp(`^(?:${QUOTED_STRING}|[^".\\\\]*)(?:\\.(?:${QUOTED_STRING}|[^".\\\\]*))*$`, 'u');
// RFC 5322 §3.2.3 dot-atom-text, with RFC 6532 §3.2's UTF8-non-ascii added to atext.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+)*$/u;
// Code points that are invisible or reorder text (Unicode Default_Ignorable_Code_Point and
// Bidi_Control): RFC 8264 §9.13/§9.14 (PRECIS) disallows them in identifiers, since `ada` and
// `a<U+200B>da` or a right-to-left override would look like one address and be two.
const INVISIBLE_OR_BIDI_CONTROL = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u;

/**
 * The stored form of an email's local part (the part before the last `@`), or null when it has none.
 * Steps, in order; the result has no quotes, no width forms and is folded and NFC, so it normalises to
 * itself:
 *
 * 1. Quoting is invisible (RFC 5322 §3.2.4, RFC 5321 §4.1.2): a quoted-string, or words of which some
 *    are quoted (`"grace"`, `"gr\ace"`, `"gr".ace`), means its text with the quotes dropped and each
 *    backslash escape resolved. If that text is a dot-atom it is stored unquoted; otherwise (a space,
 *    `@`, `"`, `\`, an empty word or a leading, trailing or doubled dot) the address is refused, never
 *    stored quoted: re-quoting minimally would keep one spelling too, but such addresses are rare and
 *    many mail systems mishandle them.
 * 2. Fullwidth and halfwidth forms are mapped to their ordinary forms (mapWidth; RFC 8265 §3.3.2 step
 *    1), so `ａｄａ` is `ada`.
 * 3. Case is folded by Unicode simple case folding (simpleCaseFold) on the canonically decomposed text,
 *    then NFC again: Unicode's canonical caseless matching (Unicode Standard §3.13, D145) with the
 *    one-to-one folding. So `ſtefan` is `stefan`, `XΣ`, `xς` and `xσ` are one, `µ` is `μ`, Kelvin `K` is
 *    `k`, `ϐ` is `β`, `ᾈ` and `ᾀ` are `ἀι` and `İ` is `i` + U+0307 (as it always was), while `ß` stays `ß`
 *    (simple folding does not expand it to `ss`) and dotless `ı` stays `ı` (only Turkic tailoring folds
 *    it, and the rule must not depend on a locale).
 * 4. Invisible and bidirectional control code points (Default_Ignorable_Code_Point, Bidi_Control: a
 *    soft hyphen, a zero-width space, a right-to-left override) are refused, as PRECIS does (RFC 8264).
 */
function normalizeLocalPart(raw: string): string | null {
  if (!QUOTED_LOCAL_PART.test(raw)) return null;
  const unquoted = raw.replace(new RegExp(QUOTED_STRING, 'gu'), (quoted) => quoted.slice(1, -1).replace(/\\([\s\S])/gu, '$1'));
  const local = simpleCaseFold(mapWidth(unquoted).normalize('NFD')).normalize('NFC');
  return DOT_ATOM.test(local) && !INVISIBLE_OR_BIDI_CONTROL.test(local) ? local : null;
}

/** Halfwidth Hangul letters and the Hangul Compatibility Jamo they are `<narrow>` forms of (UnicodeData.txt), as runs [first, last, first's target]. */
const HALFWIDTH_HANGUL_RUNS: ReadonlyArray<readonly [number, number, number]> = [
  [0xffa0, 0xffa0, 0x3164],
  [0xffa1, 0xffbe, 0x3131],
  [0xffc2, 0xffc7, 0x314f],
  [0xffca, 0xffcf, 0x3155],
  [0xffd2, 0xffd7, 0x315b],
  [0xffda, 0xffdc, 0x3161],
];
const FULLWIDTH_MACRON = 0xffe3;
const MACRON = '\u00af';

/**
 * The width mapping of RFC 8264 §9.11 / RFC 8265 §3.3.2: every code point whose Unicode decomposition
 * is tagged `<wide>` or `<narrow>` (U+3000 and U+FF01–U+FFEE: fullwidth ASCII `ａ` → `a`, halfwidth
 * katakana `ｶ` → `カ`, ...) becomes its decomposition, one level deep; nothing else changes. NFKD gives that
 * decomposition for all of them except the few whose target decomposes further (U+FFE3, halfwidth Hangul).
 */
export function mapWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffee]/gu, (char) => {
    const cp = char.codePointAt(0)!;
    if (cp === FULLWIDTH_MACRON) return MACRON;
    const run = HALFWIDTH_HANGUL_RUNS.find(([first, last]) => cp >= first && cp <= last);
    return run ? String.fromCodePoint(run[2] + cp - run[0]) : char.normalize('NFKD');
  });
}

/** Simple case foldings (CaseFolding.txt status S) that upper- then lower-casing does not give, and dotless ı, which only Turkic (status T) folds. */
const CASE_FOLD_EXCEPTIONS = new Map([
  ['\u0131', '\u0131'], // ı: its upper case is I, but ı and I are not case variants of each other (Unicode §3.13)
  ['\u1fd3', '\u0390'], // ΐ (with oxia) folds to ΐ (with tonos)
  ['\u1fe3', '\u03b0'], // ΰ (with oxia) folds to ΰ (with tonos)
  ['\ufb05', '\ufb06'], // ﬅ (long s t) folds to ﬆ
]);

/**
 * Unicode simple case folding (CaseFolding.txt statuses C and S; the folding ECMAScript's `/iu` regular
 * expressions use), one code point to one: two strings fold alike exactly when they match caselessly
 * code point by code point. Each class is represented by its lower-case member (so the stored forms of
 * ordinary text are what lower-casing always gave); the unit test checks every code point against `/iu`.
 */
export function simpleCaseFold(text: string): string {
  let folded = '';
  for (const char of text) folded += CASE_FOLD_EXCEPTIONS.get(char) ?? lowerOfUpper(char);
  return folded;
}

/** The lower case of the upper case of one code point, each step kept only when it is one code point (a simple mapping, UnicodeData.txt). */
function lowerOfUpper(char: string): string {
  const upper = oneCodePoint(char.toUpperCase()) ?? char;
  return oneCodePoint(upper.toLowerCase()) ?? upper;
}

function oneCodePoint(text: string): string | null {
  const cp = text.codePointAt(0);
  return cp !== undefined && String.fromCodePoint(cp) === text ? text : null;
}

/** validator.js's isEmail throws on some malformed input (a lone `%` reaches decodeURIComponent): that is just invalid. */
function isValidEmailSyntax(email: string): boolean {
  try {
    return isEmail(email);
  } catch {
    return false;
  }
}

/**
 * The E.164 form of a phone number (ITU-T E.164, e.g. `+14155550199`), or null when it is not a
 * possible number.
 *
 * The input must be international: a `+` and the country calling code, then digits, optionally
 * separated as people write them (spaces, dashes, dots, slashes, brackets: `+1 (415) 555-0199`, as
 * libphonenumber's grammar allows) and nothing else around them. Fullwidth forms are folded first
 * (Unicode NFKC). There is no default region, so a national number (`415 555 0199`) or one
 * written with a dialling prefix (`0044 ...`, `011 ...`) is refused rather than guessed at; so is an
 * extension, which E.164 cannot hold. The number must then be possible for its country calling code
 * per libphonenumber's metadata (a known code and a length that code allows). Possible, not
 * "valid": libphonenumber's validity lists lag real numbering plans, and fictional ranges such as
 * +1 555 01xx are used on purpose in tests and demos.
 *
 * One number, one stored form: libphonenumber drops a national (trunk) prefix written after the country
 * code only once per parse, so `+49 (0) 030 7654321` parses to `+490307654321`, which parses again to
 * `+49307654321` (ITU-T E.164: an international number is the country code and the national
 * significant number, which never includes the trunk prefix). The E.164 form is therefore parsed again
 * until it parses to itself (a fixed point), at most PHONE_PARSE_MAX_ROUNDS parses, and that fixed point
 * must be possible. An input that has not settled by then (the trunk prefix written four times or more)
 * is refused rather than stored in a form another spelling of the number would not reach. Idempotent:
 * the stored form normalises to itself (unit-tested as a property).
 */
export function normalizePhoneNumber(raw: string): string | null {
  let text = raw.normalize('NFKC').trim();
  if (text.length > PHONE_NUMBER_INPUT_MAX_CHARS || !text.startsWith('+')) return null;
  for (let round = 0; round < PHONE_PARSE_MAX_ROUNDS; round++) {
    // extract: false: the whole input must be the number, not a number found somewhere inside text.
    const parsed = parsePhoneNumberFromString(text, { extract: false });
    if (!parsed || parsed.ext) return null;
    if (parsed.number === text) return parsed.isPossible() ? parsed.number : null;
    text = parsed.number;
  }
  return null;
}

/** One stored user's identifiers, as the migration reads them. */
export interface IdentityRow {
  readonly id: string;
  readonly projectId: string;
  readonly email: string | null;
  readonly phoneNumber: string | null;
}

/** Users of one project that share one normalised identifier. */
export interface IdentityCollision {
  readonly projectId: string;
  readonly field: 'email' | 'phone_number';
  /** The normalised value they share. */
  readonly value: string;
  /** At least two user ids, sorted. */
  readonly userIds: string[];
}

/**
 * The normalised form of each stored row, and every group of two or more users of one project that
 * would share an email or a phone number after normalisation. A stored value that no longer
 * normalises (an address or number the current rules refuse) is kept as it is and still takes part
 * in the comparison, exactly as the unique index will treat it.
 */
export function normalizeStoredIdentities(rows: readonly IdentityRow[]): { normalized: IdentityRow[]; collisions: IdentityCollision[] } {
  const normalized = rows.map((row) => ({
    ...row,
    email: row.email === null ? null : (normalizeEmail(row.email) ?? row.email),
    phoneNumber: row.phoneNumber === null ? null : (normalizePhoneNumber(row.phoneNumber) ?? row.phoneNumber),
  }));
  const collisions = [
    ...collide(normalized, 'email', (row) => row.email),
    ...collide(normalized, 'phone_number', (row) => row.phoneNumber),
  ];
  return { normalized, collisions };
}

function collide(rows: readonly IdentityRow[], field: IdentityCollision['field'], valueOf: (row: IdentityRow) => string | null): IdentityCollision[] {
  const holders = new Map<string, { projectId: string; value: string; userIds: string[] }>();
  for (const row of rows) {
    const value = valueOf(row);
    if (value === null) continue;
    const key = JSON.stringify([row.projectId, value]);
    const entry = holders.get(key) ?? { projectId: row.projectId, value, userIds: [] };
    entry.userIds.push(row.id);
    holders.set(key, entry);
  }
  return [...holders.values()]
    .filter((entry) => entry.userIds.length > 1)
    .map((entry) => ({ ...entry, field, userIds: [...entry.userIds].sort() }));
}
