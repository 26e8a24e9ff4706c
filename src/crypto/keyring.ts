// Key material derived from GATEWAY_ENCRYPTION_KEY. Each master key gets a short id (stored next to
// every ciphertext and hash) so rows written under an older key stay readable during a rotation.
import { createHash, createHmac, hkdfSync } from 'node:crypto';

interface KeyEntry {
  readonly id: string;
  /** AES-256-GCM key for envelope encryption. */
  readonly encryptionKey: Buffer;
  /** HMAC-SHA-256 key for keyed hashes of codes, tokens and secrets. */
  readonly hashKey: Buffer;
  /**
   * Key check value: an HMAC of a fixed label under a sub-key of its own, stored per key id so a
   * start with a key that cannot read the data is refused (crypto/key-check.ts). Reveals nothing of
   * the key (HMAC is a PRF, RFC 2104), unlike the key itself.
   */
  readonly checkValue: string;
}

export interface Keyring {
  readonly primary: KeyEntry;
  readonly all: readonly KeyEntry[];
  byId(id: string): KeyEntry | undefined;
}

const KEY_BYTES = 32;
const KEY_CHECK_LABEL = 'totp-gateway key check value';

/** Domain-separated sub-keys (RFC 5869 HKDF) so one master key never serves two algorithms. */
function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `totp-gateway/${purpose}/v1`, KEY_BYTES));
}

export function keyId(master: Buffer): string {
  return createHash('sha256').update('totp-gateway/key-id/v1').update(master).digest('hex').slice(0, 12);
}

export function createKeyring(primary: Buffer, previous: readonly Buffer[] = []): Keyring {
  const entries = [primary, ...previous].map((master) => ({
    id: keyId(master),
    encryptionKey: derive(master, 'encryption'),
    hashKey: derive(master, 'hash'),
    checkValue: createHmac('sha256', derive(master, 'key-check')).update(KEY_CHECK_LABEL).digest('base64url'),
  }));
  const byId = new Map(entries.map((e) => [e.id, e]));
  return { primary: entries[0], all: [...byId.values()], byId: (id) => byId.get(id) };
}
