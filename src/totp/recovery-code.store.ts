// Storage of a TOTP's recovery codes, shared by enrollment (totp.service.ts) and import
// (totp-import.service.ts): each code as a keyed hash (crypto/keyed-hash.ts), and, when the
// deployment opts into retrievable codes, also as an envelope bound to the TOTP id.
import type { EntityManager } from 'typeorm';
import type { Envelope } from '../crypto/envelope';
import type { KeyedHasher } from '../crypto/keyed-hash';
import { insertRow } from '../db/database';
import { insertStatement } from '../db/row-mapper';
import { sql } from '../db/sql';
import { newId } from '../common/ids';
import { RecoveryCode } from './recovery-code.entity';

/** What storing codes needs: the hasher, the envelope and whether codes are kept retrievable (RECOVERY_CODES_RETRIEVABLE). */
export interface RecoveryCodeKeys {
  readonly hasher: KeyedHasher;
  readonly envelope: Envelope;
  readonly retrievable: boolean;
}

/**
 * Inserts `codes` (each in the stored shape `xxxx-xxxx-xxxx`, code.format.ts) as the recovery codes of
 * `totpId`, in order, unused, in the caller's transaction. PostgreSQL: one multi-row INSERT (one round
 * trip). SQLite: one prepared statement per code, which costs far less CPU than TypeORM's insert
 * builder (src/db/sql.ts says why; an import writes thousands of sets).
 */
export async function insertRecoveryCodes(m: EntityManager, keys: RecoveryCodeKeys, totpId: string, codes: readonly string[]): Promise<void> {
  if (!codes.length) return;
  const rows = codes.map((code, position) =>
    Object.assign(new RecoveryCode(), {
      id: newId('recovery'),
      totpId,
      codeHash: keys.hasher.hash(code),
      codeCiphertext: keys.retrievable ? keys.envelope.encrypt(code, totpId) : null,
      position,
      usedAt: null,
    }),
  );
  if (m.connection.options.type === 'postgres') {
    await insertRow(m, RecoveryCode, rows);
    return;
  }
  for (const row of rows) {
    const insert = insertStatement(m, RecoveryCode, row);
    await sql(m, insert.text, insert.params);
  }
}
