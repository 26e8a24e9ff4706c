// Pure OTP and QR module: no I/O, no clock of its own (callers pass `now`), unit-tested against the
// RFC 6238 Appendix B vectors. HOTP/TOTP themselves come from otplib (RFC 4226 / RFC 6238).
import { randomBytes, randomInt } from 'node:crypto';
import { generateSync } from 'otplib';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import QRCode from 'qrcode';
import { constantTimeEqual } from '../crypto/keyed-hash';

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

/** RFC 4226 §4 R6 recommends 160-bit shared secrets. */
export const SECRET_BYTES = 20;
export const PERIOD_SECONDS = 30;
export const DIGITS = 6;
/** Accept the previous, current and next step (RFC 6238 §5.2: at most one step of network delay). */
export const STEP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

export const TOTP_CODE_PATTERN = /^\d{6}$/;
export const RECOVERY_CODE_PATTERN = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

export function encodeBase32(secret: Uint8Array): string {
  return base32.encode(secret, { padding: false });
}

export function decodeBase32(secret: string): Uint8Array {
  return base32.decode(secret);
}

/** RFC 6238 §4.2: T = floor((unixTime - T0) / X), with T0 = 0 and X = 30. */
export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / PERIOD_SECONDS);
}

/** The code of one time step; `digits` and `algorithm` exist for the RFC test vectors. */
export function codeAt(secret: Uint8Array, step: number, digits = DIGITS, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  return generateSync({ secret, epoch: step * PERIOD_SECONDS, period: PERIOD_SECONDS, digits: digits as 6, algorithm, crypto });
}

/**
 * The time step within ±STEP_WINDOW whose code equals `code`, or null. Every candidate is computed
 * and compared in constant time, with no early exit, so timing does not reveal which step matched.
 * If two steps share a code (a 1-in-a-million coincidence) the newest wins.
 */
export function matchStep(secret: Uint8Array, code: string, nowMs: number): number | null {
  const current = timeStep(nowMs);
  let matched: number | null = null;
  for (let step = current - STEP_WINDOW; step <= current + STEP_WINDOW; step++) {
    if (constantTimeEqual(codeAt(secret, step), code)) matched = step;
  }
  return matched;
}

/**
 * Key URI format (github.com/google/google-authenticator/wiki/Key-Uri-Format): the label is
 * ISSUER:ACCOUNT and the issuer is repeated as a parameter; every parameter is spelled out so apps
 * that ignore defaults still agree.
 */
export function otpauthUri(params: { issuer: string; account: string; secret: string }): string {
  const issuer = encodeURIComponent(params.issuer);
  const account = encodeURIComponent(params.account);
  return `otpauth://totp/${issuer}:${account}?secret=${params.secret}&issuer=${issuer}&algorithm=SHA1&digits=${DIGITS}&period=${PERIOD_SECONDS}`;
}

export function qrCodePng(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
}

export function qrCodeSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** 12 characters from a 36-letter alphabet: about 62 bits each, drawn without modulo bias. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 12 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}
