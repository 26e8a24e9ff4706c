// Pure OTP and QR module: no I/O, no clock of its own (callers pass `now`), unit-tested against the
// RFC 6238 Appendix B vectors.
//
// HOTP (RFC 4226 §5.3) is written out here on node:crypto's HMAC, against DESIGN.md's "do not
// hand-roll HOTP", because otplib's per-code overhead (option validation, plugin dispatch, counter
// conversion) cost more than the HMAC it wraps: interleaved bench runs at 40k users gave 1 250 req/s
// with otplib's @otplib/hotp and 1 390 with this (+11%; +12% without a session). What that rule
// guards against is a wrong truncation or counter encoding, so the unit tests pin this function to
// the RFC 6238 Appendix B vectors for SHA-1/256/512 and to otplib's own codes on 500 random secrets.
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import QRCode from 'qrcode';
import { crc32, deflateSync } from 'node:zlib';
import { constantTimeEqual } from '../crypto/keyed-hash';
import { formatRecoveryCode, parseRecoveryCode, parseTotpCode, RECOVERY_CODE_ALPHABET, RECOVERY_CODE_CHARS } from './code.format';
import { otpauthLabel } from './otpauth.label';

const base32 = new ScureBase32Plugin();

/** RFC 4226 §4 R6 recommends 160-bit shared secrets. */
export const SECRET_BYTES = 20;
export const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Accept the previous, current and next step (RFC 6238 §5.2: at most one step of network delay). */
export const STEP_WINDOW = 1;
const RECOVERY_CODE_COUNT = 10;

/** The stored and displayed shape of a recovery code; typed codes are read by `readRecoveryCode`. */
export const RECOVERY_CODE_PATTERN = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;

/** The TOTP code in what a person typed, or null when it is malformed (code.format.ts says what is accepted). */
export function readTotpCode(typed: string): string | null {
  return parseTotpCode(typed, DIGITS);
}

/** The stored forms a typed recovery code may match, or null when it is malformed (code.format.ts). */
export function readRecoveryCode(typed: string): string[] | null {
  return parseRecoveryCode(typed);
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

/** RFC 6238 §4.2: T = floor((unixTime - T0) / X), with T0 = 0 and X = 30. */
export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / PERIOD_SECONDS);
}

/**
 * The code of one time step (RFC 6238 §4.2: HOTP with the step as counter); `digits` and `algorithm`
 * exist for the RFC test vectors.
 */
export function codeAt(secret: Uint8Array, step: number, digits = DIGITS, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  // RFC 4226 §5.2: the counter is an 8-byte big-endian integer.
  const counter = Buffer.alloc(8);
  counter.writeUIntBE(step, 2, 6);
  const mac = createHmac(algorithm, secret).update(counter).digest();
  // RFC 4226 §5.3 dynamic truncation: 31 bits from the offset the last nibble names, then mod 10^digits.
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return binary.toString().padStart(digits, '0');
}

/**
 * Enrollment transit grace. RFC 6238 §5.2 allows for the delay between a code's generation and its
 * arrival. A code read in the last moment of a step can arrive in the next one: a client that confirms
 * a new TOTP with the previous step's code (keeping the current one for its first sign-in, as the
 * shared load harness does when it seeds users) is refused whenever its request crosses a boundary,
 * about once a minute under load. While a TOTP is still unverified, for this long after each boundary
 * the window also keeps the step before the previous one. Sign-in with a verified TOTP gets no grace:
 * an attacker can choose when a guess arrives, and four candidates instead of three would be a third
 * more per guess. A pending TOTP protects nothing a guess could take: whoever can call
 * authenticateTotp for the user (project credentials, or the user's own session) can replace a
 * pending TOTP with createTotp anyway. Replay is unaffected: the matched step is stored and must advance.
 */
export const TRANSIT_GRACE_MS = 2_000;

/**
 * The time step whose code equals `code`, or null. Candidates: ±STEP_WINDOW around the step of
 * `nowMs`, and, within `graceMs` after a step boundary, one more step back. Every candidate is
 * computed and compared in constant time, with no early exit, so timing does not reveal which step
 * matched (how many candidates there are depends on the time and the grace alone). If two steps share
 * a code (a 1-in-a-million coincidence) the newest wins.
 */
export function matchStep(secret: Uint8Array, code: string, nowMs: number, graceMs = 0): number | null {
  const oldest = timeStep(nowMs - graceMs) - STEP_WINDOW;
  const newest = timeStep(nowMs) + STEP_WINDOW;
  let matched: number | null = null;
  for (let step = oldest; step <= newest; step++) {
    if (constantTimeEqual(codeAt(secret, step), code)) matched = step;
  }
  return matched;
}

/**
 * Byte-mode capacity, in bytes, of a version-25 QR symbol (117 modules a side) at error correction M
 * (ISO/IEC 18004:2015 Table 7). Every otpauth URI is at most this long (otpauthUri), so its QR code
 * always encodes, and stays dense enough for a phone camera to read off a screen.
 */
export const OTPAUTH_URI_MAX_BYTES = 997;
/** The QR error correction level (ISO/IEC 18004 §6.5.1: M restores about 15% of the symbol). */
export const QR_ERROR_CORRECTION = 'M';

/**
 * Key URI format (github.com/google/google-authenticator/wiki/Key-Uri-Format): the label is
 * ISSUER:ACCOUNT and the issuer is repeated as a parameter; every parameter is spelled out so apps
 * that ignore defaults still agree. Issuer and account go through otpauthLabel (otpauth.label.ts):
 * no colon but the separator, no control characters, each bounded in percent-encoded bytes, so the
 * URI is at most OTPAUTH_URI_MAX_BYTES for a base32 secret of SECRET_BYTES.
 * Throws RangeError only for a secret longer than that (a caller's bug, never user input).
 */
export function otpauthUri(params: { issuer: string; account: string; secret: string }): string {
  const label = otpauthLabel(params.issuer, params.account);
  const issuer = encodeURIComponent(label.issuer);
  const account = encodeURIComponent(label.account);
  const uri = `otpauth://totp/${issuer}:${account}?secret=${params.secret}&issuer=${issuer}&algorithm=SHA1&digits=${DIGITS}&period=${PERIOD_SECONDS}`;
  if (Buffer.byteLength(uri) > OTPAUTH_URI_MAX_BYTES) throw new RangeError(`otpauth URI of ${Buffer.byteLength(uri)} bytes exceeds ${OTPAUTH_URI_MAX_BYTES}`);
  return uri;
}

/** Pixels per QR module in the PNG, and the quiet zone in modules (ISO/IEC 18004 §6.3.8 asks for 4). */
const QR_SCALE = 4;
const QR_MARGIN = 4;

export interface QrCodes {
  /** data:image/png;base64,... */
  readonly png: string;
  readonly svg: string;
}

/** The QR matrix of a URI: `size` modules a side, `dark(row, col)` per module. */
export interface QrMatrix {
  readonly size: number;
  dark(row: number, col: number): boolean;
}

/**
 * The QR matrix of `uri`, encoded by `qrcode` (error correction QR_ERROR_CORRECTION). The PNG and the
 * SVG are drawn from it here, each only when asked for (a caller that selects neither pays for
 * neither). Cannot fail for a URI of at most OTPAUTH_URI_MAX_BYTES.
 */
export function qrMatrix(uri: string): QrMatrix {
  const { modules } = QRCode.create(uri, { errorCorrectionLevel: QR_ERROR_CORRECTION });
  return { size: modules.size, dark: (row, col) => Boolean(modules.get(row, col)) };
}

/**
 * PNG and SVG QR codes of `uri`. The PNG is drawn as 1-bit greyscale: ten times cheaper than
 * qrcode's RGBA renderer (about 2 ms instead of 20 per enrollment) and a fraction of the bytes.
 */
export function qrCodes(uri: string): QrCodes {
  const matrix = qrMatrix(uri);
  return { png: qrPngDataUrl(matrix), svg: qrSvgImage(matrix) };
}

/** data:image/png;base64 of a QR matrix. */
export function qrPngDataUrl(matrix: QrMatrix): string {
  return qrPng(matrix.size, (row, col) => matrix.dark(row, col));
}

/** An SVG document of a QR matrix. */
export function qrSvgImage(matrix: QrMatrix): string {
  return qrSvg(matrix.size, (row, col) => matrix.dark(row, col));
}

function qrPng(size: number, dark: (row: number, col: number) => boolean): string {
  const width = (size + 2 * QR_MARGIN) * QR_SCALE;
  const stride = Math.ceil(width / 8) + 1; // a filter-type byte (0: none) opens each scanline
  const raw = Buffer.alloc(stride * width, 0xff); // 1 = white in 1-bit greyscale
  for (let y = 0; y < width; y++) {
    raw[y * stride] = 0;
    const row = Math.floor(y / QR_SCALE) - QR_MARGIN;
    if (row < 0 || row >= size) continue;
    for (let x = 0; x < width; x++) {
      const col = Math.floor(x / QR_SCALE) - QR_MARGIN;
      if (col >= 0 && col < size && dark(row, col)) raw[y * stride + 1 + (x >> 3)] &= ~(0x80 >> (x & 7));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, adaptive filtering, no interlace
  const png = Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG chunk: length, type, data, CRC-32 of type and data (PNG spec §5.3). */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function qrSvg(size: number, dark: (row: number, col: number) => boolean): string {
  const full = size + 2 * QR_MARGIN;
  let path = '';
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (dark(row, col)) path += `M${col + QR_MARGIN} ${row + QR_MARGIN}h1v1h-1z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges">` +
    `<rect width="${full}" height="${full}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  );
}

/**
 * Ten codes of 12 characters from the 32-letter Crockford alphabet (code.format.ts): 60 bits each,
 * drawn without modulo bias, shown and stored as `xxxx-xxxx-xxxx`.
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () =>
    formatRecoveryCode(Array.from({ length: RECOVERY_CODE_CHARS }, () => RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)]).join('')),
  );
}
