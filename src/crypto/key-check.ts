// Pure rule: can the configured encryption keys read this database? Every key that has written to the
// database leaves a key check value (keyring.ts) in `key_checks`; the ids of the keys data was sealed
// or hashed under are also readable from the data itself (envelope.ts: v1.<keyId>...; keyed-hash.ts:
// <keyId>$...). A start whose keys match neither would answer 401 to every valid secret, so it is
// refused with one line naming the setting to fix (OWASP ASVS V14.1: fail securely on misconfiguration).
import { constantTimeEqual } from './keyed-hash';
import type { KeyEntry, Keyring } from './keyring';

/** A row of `key_checks`: a key id and its check value (never the key). */
export interface StoredKeyCheck {
  readonly keyId: string;
  readonly checkValue: string;
}

export type KeyCheckVerdict =
  /** The keys can read the data; `record` are the checks to store (the primary's, when not stored yet). */
  | { readonly ok: true; readonly record: readonly StoredKeyCheck[] }
  /** One line for the operator, naming GATEWAY_ENCRYPTION_KEY and GATEWAY_ENCRYPTION_KEYS_PREVIOUS. */
  | { readonly ok: false; readonly message: string };

/** The key id a stored envelope (`v1.<keyId>.…`) or keyed hash (`<keyId>$…`) names, if any. */
export function keyIdOf(stored: string): string | undefined {
  if (stored.startsWith('v1.')) return stored.split('.')[1] || undefined;
  const dollar = stored.indexOf('$');
  return dollar > 0 ? stored.slice(0, dollar) : undefined;
}

const matches = (entry: KeyEntry, check: StoredKeyCheck) => check.keyId === entry.id && constantTimeEqual(check.checkValue, entry.checkValue);

/**
 * Judges the configured keys against the stored checks and, for a database written before checks
 * were stored, against the key ids found in its data (`dataKeyIds`, a sample). Refuses when checks
 * exist and no configured key (primary or previous) matches one, or when there are no checks, the
 * data names keys and none of them is configured. A rotation (new primary, old key in
 * GATEWAY_ENCRYPTION_KEYS_PREVIOUS) passes, and records the new primary's check.
 */
export function judgeKeyChecks(keyring: Keyring, stored: readonly StoredKeyCheck[], dataKeyIds: readonly string[]): KeyCheckVerdict {
  const known = stored.length > 0 ? stored.some((check) => keyring.all.some((entry) => matches(entry, check))) : true;
  const dataIds = [...new Set(dataKeyIds)];
  const readable = dataIds.length === 0 || dataIds.some((id) => keyring.byId(id) !== undefined);
  if (!known || (stored.length === 0 && !readable)) {
    const writtenUnder = stored.length > 0 ? stored.map((c) => c.keyId) : dataIds;
    return {
      ok: false,
      message:
        `GATEWAY_ENCRYPTION_KEY (key id ${keyring.primary.id}) cannot read this database: its data was written under key id ` +
        `${[...new Set(writtenUnder)].join(', ')}. Set GATEWAY_ENCRYPTION_KEY to that key, or, when rotating, keep it in ` +
        'GATEWAY_ENCRYPTION_KEYS_PREVIOUS.',
    };
  }
  const primaryStored = stored.some((check) => check.keyId === keyring.primary.id);
  return { ok: true, record: primaryStored ? [] : [{ keyId: keyring.primary.id, checkValue: keyring.primary.checkValue }] };
}
