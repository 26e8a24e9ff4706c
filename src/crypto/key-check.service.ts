// Runs the key check (key-check.ts) against the database at start-up (server and CLI) and stores the
// primary key's check value. In one exclusive transaction, so processes starting together on an
// empty database agree on the first key.
import type { Database } from '../db/database';
import { sql } from '../db/sql';
import { verifyKeyChecks, keyIdOf, type StoredKeyCheck } from './key-check';
import type { Keyring } from './keyring';

/** Raised when the configured keys cannot read the database; its message is the one line to print. */
class EncryptionKeyMismatchError extends Error {
  override readonly name = 'EncryptionKeyMismatchError';
}

/** Advisory lock key (PostgreSQL) for the check: the ASCII bytes of "keychk". */
const KEY_CHECK_LOCK_KEY = 0x6b657963686b;
/** Rows of the large tables sampled for key ids when no check is stored yet (older databases). */
const DATA_SAMPLE_ROWS = 100;

const SELECT_CHECKS = 'SELECT key_id AS "keyId", check_value AS "checkValue", last_primary_at AS "lastPrimaryAtMs" FROM key_checks';
const INSERT_CHECK = 'INSERT INTO key_checks (key_id, check_value, created_at, last_primary_at) VALUES (?, ?, ?, ?)';
const MARK_PRIMARY = 'UPDATE key_checks SET last_primary_at = ? WHERE key_id = ?';
/** Where a database written before key checks shows which keys it was written under. */
const DATA_SAMPLES = [
  'SELECT secret_hash AS value FROM project_secrets WHERE revoked_at IS NULL',
  'SELECT private_key_ciphertext AS value FROM signing_keys',
  `SELECT secret_ciphertext AS value FROM totps LIMIT ${DATA_SAMPLE_ROWS}`,
];

/**
 * Refuses (EncryptionKeyMismatchError) when the keyring cannot read the database; otherwise stores
 * the primary key's check value if it is new (first start, or the first start after a rotation) and
 * marks it as the latest primary. `nowMs` never goes below the latest stored time, so a clock that
 * stepped back cannot make an older primary look newer.
 */
export async function verifyEncryptionKeys(db: Database, keyring: Keyring, nowMs: number): Promise<void> {
  await db.exclusive(KEY_CHECK_LOCK_KEY, async (m) => {
    const stored = (await sql<StoredKeyCheck>(m, SELECT_CHECKS, [])).rows.map((c) => ({ ...c, lastPrimaryAtMs: Number(c.lastPrimaryAtMs) }));
    const dataKeyIds: string[] = [];
    if (stored.length === 0) {
      for (const query of DATA_SAMPLES) {
        for (const { value } of (await sql<{ value: string | null }>(m, query, [])).rows) {
          const id = value ? keyIdOf(value) : undefined;
          if (id) dataKeyIds.push(id);
        }
      }
    }
    const result = verifyKeyChecks(keyring, stored, dataKeyIds);
    if (!result.ok) throw new EncryptionKeyMismatchError(result.message);
    const record = result.record;
    if (!record) return;
    const atMs = Math.max(nowMs, ...stored.map((c) => c.lastPrimaryAtMs + 1));
    if (record.insert) await sql(m, INSERT_CHECK, [record.keyId, record.checkValue, nowMs, atMs]);
    else await sql(m, MARK_PRIMARY, [atMs, record.keyId]);
  });
}
