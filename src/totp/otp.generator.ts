// HOTP (RFC 4226) and TOTP (RFC 6238), pure: no I/O, no clock of its own (callers pass `now`),
// unit-tested against the RFC 6238 Appendix B vectors.
//
// HOTP is written out here on node:crypto's HMAC rather than through otplib, whose per-code overhead
// (option validation, plugin dispatch, counter conversion) cost more than the HMAC it wraps
// (BENCHMARKS.md, "Numbers behind code choices"). What a rule against hand-rolled HOTP guards against is a
// wrong truncation or counter encoding, so the unit tests pin this function to the RFC 6238 Appendix B
// vectors for SHA-1/256/512 and to otplib's own codes on 500 random secrets.
import { createHmac, randomBytes } from 'node:crypto';
import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import { constantTimeEqual } from '../crypto/keyed-hash';
import { parseTotpCode } from './code.format';
import { DEFAULT_TOTP_PARAMETERS, TOTP_DIGITS, type TotpAlgorithm } from '../constants/totp.constants';

const base32 = new ScureBase32Plugin();

/** RFC 4226 §4 R6: "The length of the shared secret MUST be at least 128 bits. This document RECOMMENDs a shared secret length of 160 bits." */
export const SECRET_BYTES = 20;
/** RFC 6238 §5.2: "We RECOMMEND a default time-step size of 30 seconds." */
export const PERIOD_SECONDS = 30;
/** RFC 4226 §5.3: "Implementations MUST extract a 6-digit code at a minimum". */
const DIGITS = 6;
/**
 * RFC 6238 §5.2: "We RECOMMEND that at most one time step is allowed as the network delay": the
 * previous, current and next step are accepted.
 */
export const STEP_WINDOW_STEPS = 1;

/**
 * The RFC 6238 parameters one TOTP is judged with: its HMAC hash (§1.2), code length (RFC 4226 §5.3)
 * and time step X in seconds (§4.1). The default is what every authenticator app reads.
 */
export interface OtpParameters {
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  readonly periodSeconds: number;
}

export const DEFAULT_OTP_PARAMETERS: OtpParameters = DEFAULT_TOTP_PARAMETERS;

/** node:crypto's name of an RFC 6238 hash. */
const HMAC_NAMES: Readonly<Record<TotpAlgorithm, 'sha1' | 'sha256' | 'sha512'>> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/**
 * The TOTP code in what a person typed, or null when it is malformed (code.format.ts says what is
 * accepted): `digits` digits, or by default any length a TOTP may have (TOTP_DIGITS: 6 or 8), so a
 * code is refused before any I/O only when no TOTP could have made it.
 */
export function readTotpCode(typed: string, digits: number | readonly number[] = TOTP_DIGITS): string | null {
  for (const length of typeof digits === 'number' ? [digits] : digits) {
    const code = parseTotpCode(typed, length);
    if (code !== null) return code;
  }
  return null;
}

export function newSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

export function encodeBase32(secret: Uint8Array): string {
  return base32.encode(secret, { padding: false });
}

export function decodeBase32(secret: string): Uint8Array {
  return base32.decode(secret);
}

/** RFC 6238 §4.2: T = floor((unixTime - T0) / X), with T0 = 0 and X = `periodSeconds` (30 by default). */
export function timeStep(nowMs: number, periodSeconds = PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/**
 * The code of one time step (RFC 6238 §4.2: HOTP with the step as counter), `digits` long, with the
 * HMAC `algorithm` (RFC 6238 §1.2: SHA1, SHA256 or SHA512; node:crypto's lowercase names are accepted
 * too).
 */
export function codeAt(secret: Uint8Array, step: number, digits = DIGITS, algorithm: TotpAlgorithm | 'sha1' | 'sha256' | 'sha512' = 'SHA1'): string {
  // RFC 4226 §5.2: the counter is an 8-byte big-endian integer.
  const counter = Buffer.alloc(8);
  counter.writeUIntBE(step, 2, 6);
  const mac = createHmac(HMAC_NAMES[algorithm as TotpAlgorithm] ?? algorithm, secret).update(counter).digest();
  // RFC 4226 §5.3 dynamic truncation: 31 bits from the offset the last nibble names, then mod 10^digits.
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return binary.toString().padStart(digits, '0');
}

/**
 * Enrollment transit grace. RFC 6238 §5.2 allows for the delay between a code's generation and its
 * arrival. A code read in the last moment of a step can arrive in the next one: a client that confirms
 * a new TOTP with the previous step's code (keeping the current one for its first sign-in, as a
 * load generator seeding users may) is refused whenever its request crosses a boundary,
 * about once a minute under load. While a TOTP is still unverified, for this long after each boundary
 * the window also keeps the step before the previous one. Sign-in with a verified TOTP gets no grace:
 * an attacker can choose when an attempt arrives, and four candidates instead of three would be a third
 * more per guess. A pending TOTP protects nothing a guess could take: whoever can call
 * authenticateTotp for the user (project credentials, or the user's own session) can replace a
 * pending TOTP with createTotp anyway. Only while the user holds no verified TOTP (TotpService): a
 * pending TOTP beside a verified one signs in, and a session without a second factor cannot replace it.
 * Replay is unaffected: the matched step is stored and must advance.
 */
export const TRANSIT_GRACE_MS = 2_000;

/**
 * The time step whose code equals `code`, or null. Candidates: ±STEP_WINDOW_STEPS around the step of
 * `nowMs`, and, within `graceMs` after a step boundary, one more step back. Steps, codes and their
 * length follow `params` (the TOTP's own algorithm, digits and period; SHA1/6/30 by default), so the
 * step returned is in that TOTP's units (its replay guard `last_step` too). Every candidate is
 * computed and compared in constant time, with no early exit, so timing does not reveal which step
 * matched (how many candidates there are depends on the time and the grace alone). A code of another
 * length is compared all the same and never matches. If two steps share a code (a 1-in-a-million
 * coincidence) the newest wins.
 */
export function matchStep(secret: Uint8Array, code: string, nowMs: number, graceMs = 0, params: OtpParameters = DEFAULT_OTP_PARAMETERS): number | null {
  const oldest = timeStep(nowMs - graceMs, params.periodSeconds) - STEP_WINDOW_STEPS;
  const newest = timeStep(nowMs, params.periodSeconds) + STEP_WINDOW_STEPS;
  let matched: number | null = null;
  for (let step = oldest; step <= newest; step++) {
    if (constantTimeEqual(codeAt(secret, step, params.digits, params.algorithm), code)) matched = step;
  }
  return matched;
}
