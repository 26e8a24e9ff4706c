// AES-256-GCM encryption of secrets at rest (TOTP secrets, signing keys, retrievable recovery codes).
// Format: v1.<keyId>.<iv>.<ciphertext>.<tag>, base64url parts; the key id lets old rows decrypt after
// a rotation. A 96-bit random IV per message, as NIST SP 800-38D §8.2.2 recommends.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring';

const VERSION = 'v1';
const IV_BYTES = 12;

export class Envelope {
  constructor(private readonly keyring: Keyring) {}

  /** `aad` binds the ciphertext to its row (e.g. the TOTP id) so it cannot be moved to another row. */
  encrypt(plaintext: Buffer | string, aad: string): string {
    const key = this.keyring.primary;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.encryptionKey, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [VERSION, key.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  decrypt(sealed: string, aad: string): Buffer {
    const [version, id, iv, body, tag] = sealed.split('.');
    const key = this.keyring.byId(id);
    if (version !== VERSION || !key || tag === undefined) {
      throw new Error(`cannot decrypt: unknown envelope version or key id ${id}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  }

  /** True when the row was sealed under an older key and should be re-encrypted. */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keyring.primary.id;
  }
}
