// Provisioning, pure: the otpauth key URI an authenticator app reads, and its QR code (PNG and SVG)
// drawn without I/O.
import QRCode from 'qrcode';
import { crc32, deflateSync } from 'node:zlib';
import { otpauthLabel } from './otpauth.label';
import { DEFAULT_OTP_PARAMETERS, type OtpParameters } from './otp.generator';

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
 * URI is at most OTPAUTH_URI_MAX_BYTES for a base32 secret of SECRET_BYTES. `algorithm`, `digits`
 * and `period` carry the TOTP's own parameters (`parameters`, SHA1/6/30 by default).
 * Throws RangeError only for a secret longer than that (a caller's bug, never user input).
 */
export function otpauthUri(params: { issuer: string; account: string; secret: string; parameters?: OtpParameters }): string {
  const label = otpauthLabel(params.issuer, params.account);
  const issuer = encodeURIComponent(label.issuer);
  const account = encodeURIComponent(label.account);
  const { algorithm, digits, periodSeconds } = params.parameters ?? DEFAULT_OTP_PARAMETERS;
  const uri = `otpauth://totp/${issuer}:${account}?secret=${params.secret}&issuer=${issuer}&algorithm=${algorithm}&digits=${digits}&period=${periodSeconds}`;
  if (Buffer.byteLength(uri) > OTPAUTH_URI_MAX_BYTES) throw new RangeError(`otpauth URI of ${Buffer.byteLength(uri)} bytes exceeds ${OTPAUTH_URI_MAX_BYTES}`);
  return uri;
}

/** Pixels per QR module in the PNG, and the quiet zone in modules (ISO/IEC 18004 §6.3.8 asks for 4). */
const QR_PIXELS_PER_MODULE = 4;
const QR_QUIET_ZONE_MODULES = 4;

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
 * PNG and SVG QR codes of `uri`. The PNG is drawn as 1-bit greyscale: far cheaper than qrcode's RGBA
 * renderer (BENCHMARKS.md, "Numbers behind code choices") and a fraction of the bytes.
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
  const width = (size + 2 * QR_QUIET_ZONE_MODULES) * QR_PIXELS_PER_MODULE;
  const stride = Math.ceil(width / 8) + 1; // a filter-type byte (0: none) opens each scanline
  const raw = Buffer.alloc(stride * width, 0xff); // 1 = white in 1-bit greyscale
  for (let y = 0; y < width; y++) {
    raw[y * stride] = 0;
    const row = Math.floor(y / QR_PIXELS_PER_MODULE) - QR_QUIET_ZONE_MODULES;
    if (row < 0 || row >= size) continue;
    for (let x = 0; x < width; x++) {
      const col = Math.floor(x / QR_PIXELS_PER_MODULE) - QR_QUIET_ZONE_MODULES;
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
  const full = size + 2 * QR_QUIET_ZONE_MODULES;
  let path = '';
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (dark(row, col)) path += `M${col + QR_QUIET_ZONE_MODULES} ${row + QR_QUIET_ZONE_MODULES}h1v1h-1z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges">` +
    `<rect width="${full}" height="${full}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  );
}
