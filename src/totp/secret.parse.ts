// Pure reading of TOTP secrets as people and other providers hand them over: a base32 secret as pasted
// (any letter case, spaces, hyphens, `=` padding) or an otpauth:// URI (Google's Key Uri Format, parsed
// by the `otpauth` package). No I/O. Every refusal is a coded error (INVALID_SECRET or
// INVALID_OTPAUTH_URI) with a `reason` detail, and never quotes the secret.
import { URI, TOTP } from 'otpauth';
import { GatewayError } from '../errors/error.catalogue';
import { encodeBase32 } from './otp.generator';
import { TOTP_ALGORITHMS, TOTP_DIGITS, TOTP_PERIOD_SECONDS, type TotpAlgorithm, type TotpDigits, type TotpPeriodSeconds } from '../constants/totp.constants';

/** RFC 4226 §4 R6: "The length of the shared secret MUST be at least 128 bits." */
export const MIN_SECRET_BYTES = 16;
/** The longest secret accepted: an HMAC-SHA-512 block (RFC 2104 §2: a longer key is hashed first, so more adds nothing). */
export const MAX_SECRET_BYTES = 128;
/** Longer pasted input is refused without being read (a 128-byte secret is 205 base32 characters, separators and padding aside). */
const SECRET_INPUT_MAX_CHARS = 512;
/** Longer URIs are refused without being read (what a QR code holds is far less). */
export const OTPAUTH_URI_MAX_CHARS = 2048;

/** Why a secret was refused (`details.reason` of INVALID_SECRET). */
type SecretRefusal = 'empty' | 'not_base32' | 'too_short' | 'too_long';
/** Why an otpauth URI was refused (`details.reason` of INVALID_OTPAUTH_URI). */
type OtpauthRefusal = 'not_otpauth' | 'not_totp' | 'malformed' | 'unsupported_algorithm' | 'unsupported_digits' | 'unsupported_period' | 'too_long';

/** A secret with the RFC 6238 parameters it is used with, and the names an otpauth URI gave it. */
export interface ParsedSecret {
  /** The raw shared secret, 16..128 bytes. */
  readonly secret: Buffer;
  /** From the URI; null when it named none (the caller's choice or the default applies). */
  readonly algorithm: TotpAlgorithm | null;
  readonly digits: TotpDigits | null;
  /** Seconds per time step. */
  readonly period: TotpPeriodSeconds | null;
  /** The URI label's account name (`alice@example.com`), or null. */
  readonly account: string | null;
  /** The URI's issuer (parameter, else the label's prefix), or null. */
  readonly issuer: string | null;
}

/**
 * Characters dropped from a pasted secret: Unicode white space, the invisible characters copy-paste
 * brings along (zero-width space, word joiner, byte order mark), hyphens and dashes that providers
 * group characters with.
 */
const SECRET_SEPARATORS = /[\p{White_Space}\u200B\u2060\uFEFF\-\u2010-\u2015\u2212]/gu;
/** RFC 4648 §6 alphabet. */
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE32_BODY = /^[A-Z2-7]+$/;
/** RFC 4648 §6: a final quantum of 1, 3 or 6 characters encodes no whole byte, so no encoder writes it. */
const IMPOSSIBLE_TAIL_CHARS = new Set([1, 3, 6]);

const invalidSecret = (reason: SecretRefusal, message?: string) => new GatewayError('INVALID_SECRET', { details: { reason }, ...(message && { message }) });
const invalidUri = (reason: OtpauthRefusal, message: string) => new GatewayError('INVALID_OTPAUTH_URI', { message, details: { reason } });

/**
 * The raw secret of a pasted base32 string (RFC 4648 §6): separators dropped, letter case ignored,
 * trailing `=` padding optional. Bits left over after the last whole byte are ignored.
 * @throws GatewayError INVALID_SECRET with `details.reason`: `empty`, `not_base32` (another character,
 *   `=` before the end, or a length no encoder writes), `too_short` (< 128 bits, RFC 4226 §4 R6),
 *   `too_long` (> MAX_SECRET_BYTES, or input over SECRET_INPUT_MAX_CHARS).
 */
export function parseBase32Secret(pasted: string): Buffer {
  if (pasted.length > SECRET_INPUT_MAX_CHARS) throw invalidSecret('too_long');
  const body = pasted.replace(SECRET_SEPARATORS, '').toUpperCase().replace(/=+$/, '');
  if (!body) throw invalidSecret('empty');
  if (!BASE32_BODY.test(body) || IMPOSSIBLE_TAIL_CHARS.has(body.length % 8)) {
    throw invalidSecret('not_base32', 'The TOTP secret is not base32 (RFC 4648): use only the letters A-Z and the digits 2-7; spaces, hyphens, letter case and = padding are ignored.');
  }
  const bytes = Math.floor((body.length * 5) / 8);
  if (bytes < MIN_SECRET_BYTES) throw invalidSecret('too_short', `The TOTP secret is ${bytes * 8} bits; RFC 4226 requires at least 128 bits (26 base32 characters).`);
  if (bytes > MAX_SECRET_BYTES) throw invalidSecret('too_long', `The TOTP secret is longer than ${MAX_SECRET_BYTES * 8} bits; check that only the secret was pasted.`);
  return decodeBase32Body(body, bytes);
}

/** RFC 4648 §6 decoding of a checked body (A-Z2-7 only), `bytes` whole bytes long. */
function decodeBase32Body(body: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    buffer = ((buffer << 5) | BASE32_ALPHABET.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (index < bytes) out[index++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * An otpauth URI (https://github.com/google/google-authenticator/wiki/Key-Uri-Format) of type `totp`:
 * its secret (read as a pasted one, so `secret=jbsw%20y3dp...` works), algorithm, digits, period and
 * names. Unknown parameters (`image`, ...) are ignored, as authenticator apps do; the parameters the
 * gateway verifies with must be ones it supports (RFC 6238 §1.2 and constants/totp.constants.ts).
 * @throws GatewayError INVALID_SECRET (the secret parameter, as parseBase32Secret) or
 *   INVALID_OTPAUTH_URI with `details.reason`: `not_otpauth`, `not_totp` (hotp), `malformed`,
 *   `unsupported_algorithm`, `unsupported_digits`, `unsupported_period`, `too_long`.
 */
export function parseOtpauthUri(uri: string): ParsedSecret {
  if (uri.length > OTPAUTH_URI_MAX_CHARS) throw invalidUri('too_long', `The otpauth URI is longer than ${OTPAUTH_URI_MAX_CHARS} characters.`);
  const trimmed = uri.trim();
  const type = /^otpauth:\/\/([^/?#]*)\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (type === undefined) throw invalidUri('not_otpauth', 'The otpauth URI must start with otpauth://totp/.');
  if (type !== 'totp') throw invalidUri('not_totp', `Only time-based (otpauth://totp/) registrations can be imported, not "${type === 'hotp' ? 'hotp' : 'other'}" ones.`);
  const { secret, rest } = withNormalisedSecret(trimmed);
  let parsed: TOTP;
  try {
    const otp = URI.parse(rest);
    if (!(otp instanceof TOTP)) throw new TypeError('not a TOTP');
    parsed = otp;
  } catch (error) {
    throw new GatewayError('INVALID_OTPAUTH_URI', { details: { reason: refusalOf(error) }, cause: error });
  }
  return {
    secret,
    algorithm: supported(TOTP_ALGORITHMS, parsed.algorithm.toUpperCase(), rest, 'algorithm', 'unsupported_algorithm'),
    digits: supported(TOTP_DIGITS, parsed.digits, rest, 'digits', 'unsupported_digits'),
    period: supported(TOTP_PERIOD_SECONDS, parsed.period, rest, 'period', 'unsupported_period'),
    account: parsed.label || null,
    issuer: parsed.issuer || null,
  };
}

/** The URI's secret, read as a pasted one, and the URI with that parameter in the canonical form the library reads. */
function withNormalisedSecret(uri: string): { secret: Buffer; rest: string } {
  const query = uri.indexOf('?');
  const pairs = query < 0 ? [] : uri.slice(query + 1).split('&');
  const at = pairs.findIndex((pair) => /^secret=/i.test(pair));
  if (at < 0) throw invalidSecret('empty', 'The otpauth URI has no secret parameter.');
  let raw: string;
  try {
    raw = decodeURIComponent(pairs[at].slice('secret='.length).replace(/\+/g, ' '));
  } catch {
    throw invalidSecret('not_base32', 'The otpauth URI secret is not valid percent-encoding of base32.');
  }
  const secret = parseBase32Secret(raw);
  pairs[at] = `secret=${encodeBase32(secret)}`;
  return { secret, rest: `${uri.slice(0, query)}?${pairs.join('&')}` };
}

/** A parameter's value when the gateway supports it; null when the URI left it out (the library then reports its default). */
function supported<T extends string | number>(allowed: readonly T[], value: string | number, uri: string, name: string, reason: OtpauthRefusal): T | null {
  const given = new RegExp(`[?&]${name}=`, 'i').test(uri);
  if (!given) return null;
  if (!(allowed as readonly (string | number)[]).includes(value)) {
    throw invalidUri(reason, `The otpauth URI's ${name} is not supported; use ${allowed.join(', ')}.`);
  }
  return value as T;
}

/** The refusal reason of an `otpauth` parse failure (its messages name the parameter it refused). */
function refusalOf(error: unknown): OtpauthRefusal {
  const message = error instanceof Error ? error.message : '';
  if (/algorithm/i.test(message)) return 'unsupported_algorithm';
  if (/digits/i.test(message)) return 'unsupported_digits';
  if (/period/i.test(message)) return 'unsupported_period';
  return 'malformed';
}
