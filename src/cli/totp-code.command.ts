// `totp code --secret SECRET`: the current code of a TOTP secret, as an authenticator app shows it, for
// trying the gateway without a phone (RFC 6238 §4: HOTP of the current time step).
import { codeAt, decodeBase32 } from '../totp/otp.generator';

/** The hash functions RFC 6238 §1.2 names, as written in an otpauth URI (`algorithm=SHA1`). */
const ALGORITHMS = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' } as const;
/** RFC 4226 §5.3: at least 6 digits; 8 is the most any authenticator app shows. */
const MIN_DIGITS = 6;
const MAX_DIGITS = 8;
const MAX_PERIOD_SECONDS = 3600;
const MS_PER_SECOND = 1000;

/** The options of `totp code`, as typed (strings), with RFC 6238's defaults when absent. */
export interface TotpCodeOptions {
  readonly secret: string;
  readonly digits?: string;
  readonly period?: string;
  readonly algorithm?: string;
}

/** Raised for an option `totp code` cannot use; the CLI prints it with the command's usage (exit 2). */
export class TotpOptionError extends Error {}

function whole(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new TotpOptionError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return Number(raw);
}

/**
 * The code for `nowMs` (epoch ms): the base32 secret (spaces, hyphens and `=` padding ignored, any
 * case), `digits` 6..8 (default 6), `period` in seconds (default 30, RFC 6238 §5.2), `algorithm`
 * SHA1, SHA256 or SHA512 (default SHA1).
 * @throws TotpOptionError for a secret that is not base32 or an option out of range.
 */
export function totpCodeAt(options: TotpCodeOptions, nowMs: number): string {
  const digits = whole('digits', options.digits, MIN_DIGITS, MIN_DIGITS, MAX_DIGITS);
  const periodSeconds = whole('period', options.period, 30, 1, MAX_PERIOD_SECONDS);
  const algorithmName = (options.algorithm ?? 'SHA1').toUpperCase().replace('-', '') as keyof typeof ALGORITHMS;
  const algorithm = ALGORITHMS[algorithmName];
  if (!algorithm) throw new TotpOptionError(`--algorithm must be SHA1, SHA256 or SHA512, got "${options.algorithm}".`);
  let secret: Uint8Array;
  try {
    secret = decodeBase32(options.secret.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase());
  } catch {
    throw new TotpOptionError('--secret must be the base32 secret (the `secret` createTotp returned, or the secret= of its otpauth URI).');
  }
  if (secret.length === 0) throw new TotpOptionError('--secret is empty.');
  // RFC 6238 §4.2: T = floor((unixTime - T0) / X), T0 = 0.
  const step = Math.floor(nowMs / MS_PER_SECOND / periodSeconds);
  return codeAt(secret, step, digits, algorithm);
}
