// Pure normalisation of the identifiers a user is known by (email, phone number), so that one person
// cannot hold two users of a project through two spellings of one address. No I/O: the service, the
// input validators and the migration that rewrites stored rows all call these same functions.
import { domainToASCII } from 'node:url';
import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** The `users.email` column's width; a normalised address longer than this is refused. */
export const EMAIL_MAX_CHARS = 320;
/** Longest phone input looked at (spaces, dashes and brackets included); E.164 itself is at most 16. */
export const PHONE_NUMBER_INPUT_MAX_CHARS = 64;

/**
 * The one stored form of an email address, or null when it is not a valid address.
 *
 * - Surrounding whitespace is dropped and the whole address is put in Unicode NFC (RFC 6532 §3.1), so
 *   `é` typed as U+00E9 or as `e` + U+0301 is one address.
 * - The local part is lower-cased (locale-independent Unicode mapping): uniqueness per project has
 *   always been case-insensitive, although RFC 5321 §2.4 lets a mail server tell case apart. Nothing
 *   else is folded: dots and `+tags` mean what the receiving domain says they mean.
 * - The domain goes through IDNA (UTS #46 mapping, as WHATWG URL's domainToASCII does): case-folded,
 *   width-folded (fullwidth letters and dots), NFC, and written in its ASCII (punycode, RFC 5891)
 *   form, so `bücher.example`, `BÜCHER.example` and `xn--bcher-kva.example` are one domain. A
 *   trailing root dot (`example.com.`, RFC 1034 §3.1) names the same domain and is dropped.
 * - The result must pass the same email syntax check the input always had, and fit the column.
 */
export function normalizeEmail(raw: string): string | null {
  const address = raw.trim().normalize('NFC');
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const local = address.slice(0, at).toLowerCase().normalize('NFC');
  let domain = domainToASCII(address.slice(at + 1));
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (!domain) return null;
  const email = `${local}@${domain.toLowerCase()}`;
  return email.length <= EMAIL_MAX_CHARS && isValidEmailSyntax(email) ? email : null;
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
 */
export function normalizePhoneNumber(raw: string): string | null {
  const text = raw.normalize('NFKC').trim();
  if (text.length > PHONE_NUMBER_INPUT_MAX_CHARS || !text.startsWith('+')) return null;
  // extract: false: the whole input must be the number, not a number found somewhere inside text.
  const parsed = parsePhoneNumberFromString(text, { extract: false });
  return parsed && parsed.isPossible() && !parsed.ext ? parsed.number : null;
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
