// `backup FILE` and `restore FILE`: the SQLite database, copied online while the gateway serves, and
// put back (gateway stopped) only after the copy proves it opens, that this build knows its
// migrations, and that the configured encryption key can read it. PostgreSQL has its own tools.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config, DatabaseConfig } from '../config';
import { migrations } from '../data-source';
import { BackupRefusedError, backupSqlite, inspectSqliteFile, replaceSqliteFile, requireKnownMigrations, temporarySibling, type BackupSummary } from '../db/backup';
import { withDatabase } from './with-database';

/** The one line for a PostgreSQL database: its own online backup tools (https://www.postgresql.org/docs/current/app-pgdump.html). */
const POSTGRES_ADVICE =
  'DATABASE_URL is PostgreSQL: back it up with pg_dump -Fc (online and consistent) and restore with pg_restore (README "Backups"); ' +
  'keep GATEWAY_ENCRYPTION_KEY with, but apart from, every dump.';

/** This build's migration names, oldest first (what TypeORM records in the `migrations` table). */
function knownMigrations(): string[] {
  return migrations.map((Migration) => new Migration().name ?? Migration.name);
}

function sqliteDatabase(config: Config, verb: string): Extract<DatabaseConfig, { kind: 'sqlite' }> {
  if (config.database.kind !== 'sqlite') throw new BackupRefusedError(`cannot ${verb} here: ${POSTGRES_ADVICE}`);
  return config.database;
}

/**
 * `backup FILE`: an online, consistent copy of the configured SQLite database (db/backup.ts).
 * @throws BackupRefusedError for PostgreSQL, an existing FILE without `force`, or a failed copy.
 */
export function backupCommand(config: Config, file: string, force: boolean): Promise<BackupSummary> {
  return backupSqlite(sqliteDatabase(config, 'back up').path, resolve(file), force);
}

/** What a restore put in place. */
export interface RestoreSummary {
  readonly database: string;
  /** Migrations the backup held, and those applied to it now because it came from an older build. */
  readonly migrations: string[];
  readonly applied: string[];
}

/**
 * `restore FILE`: copies FILE next to the database, checks the copy (integrity, migrations a prefix of
 * this build's, then migrates it and verifies the encryption keys against it as a start would), and
 * renames it onto the database, which no process may hold open (db/backup.ts `replaceSqliteFile`).
 * FILE itself is never changed. On any refusal the database is untouched.
 * @throws BackupRefusedError, or EncryptionKeyMismatchError (the configured key cannot read the backup).
 */
export async function restoreCommand(config: Config, file: string): Promise<RestoreSummary> {
  const database = sqliteDatabase(config, 'restore');
  const target = database.path;
  const source = resolve(file);
  if (!existsSync(source)) throw new BackupRefusedError(`no backup at ${source}.`);
  mkdirSync(dirname(target), { recursive: true });
  const copy = temporarySibling(target, 'restore');
  try {
    // Every check reads the copy: opening FILE itself could leave -wal/-shm files beside it.
    copyFileSync(source, copy);
    const { migrations: held } = inspectSqliteFile(copy, source);
    if (held.length === 0) throw new BackupRefusedError(`${source} holds no gateway migrations: it is not a backup of this gateway.`);
    requireKnownMigrations(held, knownMigrations());
    const copyConfig: Config = { ...config, database: { ...database, path: copy, backgroundCheckpoint: false } };
    const applied = await withDatabase(copyConfig, async (open) => open.applied);
    inspectSqliteFile(copy, source);
    replaceSqliteFile(target, copy);
    return { database: target, migrations: held, applied };
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(copy + suffix, { force: true });
  }
}
