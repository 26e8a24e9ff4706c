// The load generators' TOTP client (RFC 4648 base32, RFC 4226 HOTP, RFC 6238 TOTP) on node:crypto,
// self-tested against the RFC 6238 vector when loaded.
import { createHmac } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function base32Decode(str) {
  const out = [];
  let bits = 0, value = 0;
  for (const ch of str.toUpperCase().replace(/=+$/, '')) {
    const idx = B32.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character ${ch}`);
    value = ((value << 5) | idx) & 0xffff;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', key).update(msg).digest();
  const off = h[h.length - 1] & 15;
  return String((h.readUInt32BE(off) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}
export const timeStep = (ms = Date.now()) => Math.floor(ms / 30_000);
// RFC 6238 Appendix B: ASCII key "12345678901234567890", T = 59 s, SHA1, 8 digits -> 94287082.
if (hotp(Buffer.from('12345678901234567890'), timeStep(59_000), 8) !== '94287082') throw new Error('TOTP self-test failed (RFC 6238 vector)');
if (hotp(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), 1, 8) !== '94287082') throw new Error('base32 self-test failed');
