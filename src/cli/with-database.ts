// The one way a CLI command opens the database: connect, apply pending migrations, check that the
// configured encryption keys can read it (crypto/key-check.service.ts), run the command, close.
import type { Config } from '../config';
import { createDataSource } from '../data-source';
import { Database } from '../db/database';
import { runMigrations } from '../db/migrate';
import { createKeyring, type Keyring } from '../crypto/keyring';
import { verifyEncryptionKeys } from '../crypto/key-check.service';
import { systemClock } from '../common/clock';

/** What a command gets: the open database, the configured keys and the migrations this run applied. */
export interface OpenDatabase {
  readonly db: Database;
  readonly keyring: Keyring;
  /** Names of the migrations applied on opening, oldest first; empty when none were pending. */
  readonly applied: string[];
}

/**
 * Opens the database of `config`, runs `fn` and closes the database whether `fn` succeeds or throws.
 * `checkKeys: false` skips the encryption key check, for commands that read no encrypted data
 * (`migrate`). Throws what connecting, migrating, the key check (EncryptionKeyMismatchError) or `fn` throws.
 */
export async function withDatabase<T>(config: Config, fn: (open: OpenDatabase) => Promise<T>, { checkKeys = true } = {}): Promise<T> {
  const dataSource = createDataSource(config.database);
  await dataSource.initialize();
  const db = new Database(dataSource, config.database);
  try {
    const applied = await runMigrations(dataSource);
    const keyring = createKeyring(config.encryption.key, config.encryption.previousKeys);
    if (checkKeys) await verifyEncryptionKeys(db, keyring, systemClock.now());
    return await fn({ db, keyring, applied });
  } finally {
    await db.close();
  }
}
