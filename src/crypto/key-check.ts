// Pure rule: can the configured encryption keys read this database? Every key that has been the
// primary leaves a key check value (keyring.ts) in `key_checks`, with when it was last the primary at
// a start; the ids of the keys data was sealed or hashed under are also readable from the data itself
// (envelope.ts: v1.<keyId>...; keyed-hash.ts: <keyId>$...). A start whose keys cannot read what was
// written last would answer 401 to every valid secret, so it is refused with one line naming the
// settings to fix (OWASP ASVS V14.1: fail securely on misconfiguration).
import { constantTimeEqual } from './keyed-hash';
import type { Keyring } from './keyring';

/** A row of `key_checks`: a key id, its check value (never the key) and when it was last the primary (epoch ms). */
export interface StoredKeyCheck {
  readonly keyId: string;
  readonly checkValue: string;
  readonly lastPrimaryAtMs: number;
}

/** What to write after a passing check: the primary's check, inserted or marked as the latest primary. */
interface KeyCheckRecord {
  readonly keyId: string;
  readonly checkValue: string;
  readonly insert: boolean;
}

export type KeyCheckResult =
  | { readonly ok: true; readonly record: KeyCheckRecord | null }
  /** One line for the operator, naming GATEWAY_ENCRYPTION_KEY and GATEWAY_ENCRYPTION_KEYS_PREVIOUS. */
  | { readonly ok: false; readonly message: string };

/** The key id a stored envelope (`v1.<keyId>.…`) or keyed hash (`<keyId>$…`) names, if any. */
export function keyIdOf(stored: string): string | undefined {
  if (stored.startsWith('v1.')) return stored.split('.')[1] || undefined;
  const dollar = stored.indexOf('$');
  return dollar > 0 ? stored.slice(0, dollar) : undefined;
}

const configured = (keyring: Keyring, check: StoredKeyCheck) => {
  const entry = keyring.byId(check.keyId);
  return entry !== undefined && constantTimeEqual(check.checkValue, entry.checkValue);
};

/**
 * Verifies the configured keys (primary and GATEWAY_ENCRYPTION_KEYS_PREVIOUS) against the stored
 * checks: the key that was the primary most recently (what the newest rows are under) must be one
 * of them, with a matching check value. On a database written before checks were stored it verifies
 * by `dataKeyIds` (key ids sampled from the data): at least one must be configured. A rotation (new
 * primary, old key previous) passes and makes the new primary the latest; going back to the old key
 * alone after that is refused, since it cannot read what the new one wrote.
 */
export function verifyKeyChecks(keyring: Keyring, stored: readonly StoredKeyCheck[], dataKeyIds: readonly string[]): KeyCheckResult {
  const latestAtMs = Math.max(...stored.map((c) => c.lastPrimaryAtMs));
  const latest = stored.filter((c) => c.lastPrimaryAtMs === latestAtMs);
  const dataIds = [...new Set(dataKeyIds)];
  const readable =
    stored.length > 0 ? latest.some((check) => configured(keyring, check)) : dataIds.length === 0 || dataIds.some((id) => keyring.byId(id) !== undefined);
  if (!readable) {
    const writtenUnder = stored.length > 0 ? latest.map((c) => c.keyId) : dataIds;
    return {
      ok: false,
      message:
        `GATEWAY_ENCRYPTION_KEY (key id ${keyring.primary.id}) cannot read this database: its data was last written under key id ` +
        `${writtenUnder.join(', ')}. Set GATEWAY_ENCRYPTION_KEY to that key, or, when rotating, keep it in GATEWAY_ENCRYPTION_KEYS_PREVIOUS.`,
    };
  }
  const { id, checkValue } = keyring.primary;
  const own = stored.find((c) => c.keyId === id);
  if (own && latest.length === 1 && latest[0] === own) return { ok: true, record: null };
  return { ok: true, record: { keyId: id, checkValue, insert: !own } };
}
