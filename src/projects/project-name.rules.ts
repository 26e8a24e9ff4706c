// Pure rule for a project name (the authenticator app's issuer, see otpauth.label.ts). No I/O.
import { InvalidProjectNameError } from './project.errors';

/**
 * At most this many Unicode code points once trimmed: what a PostgreSQL `varchar(255)` holds (it counts
 * characters, not bytes or UTF-16 units). The label shortens the issuer to its own byte budget anyway
 * (ISSUER_MAX_URI_BYTES), so every stored name gives a URI whose QR code fits.
 */
export const PROJECT_NAME_MAX_CODE_POINTS = 255;

/**
 * Control characters (Unicode Cc: C0 U+0000..U+001F with NUL, DEL U+007F, C1 U+0080..U+009F) and
 * unpaired UTF-16 surrogates: PostgreSQL refuses NUL in text, and no control or lone surrogate
 * belongs in a name shown to people (OWASP ASVS 5.1.4: validate structured data, allow lists).
 */
const FORBIDDEN = /[\p{Cc}]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/**
 * The project name to store for `name`: trimmed (leading and trailing whitespace, tabs and line breaks go), 1 to PROJECT_NAME_MAX_CODE_POINTS code points, with no
 * control character or lone surrogate. Throws InvalidProjectNameError (BAD_USER_INPUT,
 * `invalid_project_name`) otherwise, saying which rule failed.
 */
export function projectName(name: string): string {
  const trimmed = name.trim();
  if (FORBIDDEN.test(trimmed)) throw new InvalidProjectNameError('A project name may not contain control characters (U+0000..U+001F, U+007F..U+009F) or unpaired surrogates.');
  const codePoints = [...trimmed].length;
  if (!codePoints || codePoints > PROJECT_NAME_MAX_CODE_POINTS) {
    throw new InvalidProjectNameError(`A project name is 1 to ${PROJECT_NAME_MAX_CODE_POINTS} Unicode characters (code points) once trimmed; this one has ${codePoints}.`);
  }
  return trimmed;
}
