// Keyed hashes (HMAC-SHA-256) for recovery codes, session tokens, remembered-device tokens and project secrets. A keyed hash
// means a stolen database alone cannot brute-force the 60-bit recovery codes offline. Stored as
// <keyId>$<base64url>; look-ups compute one candidate per key in the keyring (normally one).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyring } from './keyring';

export class KeyedHasher {
  constructor(private readonly keyring: Keyring) {}

  hash(value: string): string {
    return this.hashWith(this.keyring.primary.id, value);
  }

  /** Every stored form this value may have, one per key still in the keyring. */
  candidates(value: string): string[] {
    return this.keyring.all.map((k) => this.hashWith(k.id, value));
  }

  private hashWith(id: string, value: string): string {
    const key = this.keyring.byId(id);
    if (!key) throw new Error(`unknown hash key id ${id}`);
    return `${id}$${createHmac('sha256', key.hashKey).update(value).digest('base64url')}`;
  }
}

/** Compares two strings in time that depends only on their lengths (never on where they differ). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare against itself on a length mismatch so the work done does not reveal the mismatch early.
  return timingSafeEqual(left, left.length === right.length ? right : left) && left.length === right.length;
}
