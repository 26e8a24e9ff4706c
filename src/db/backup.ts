// Online backup and checked restore of the SQLite database file. Copying a live database in WAL mode
// with `cp` can give a torn copy (the main file and the -wal are read at different moments, and
// committed pages may still sit in the -wal); SQLite's online backup API copies one consistent
// snapshot through a read transaction, which in WAL mode never blocks the writers of other processes
// (https://sqlite.org/backup.html, https://sqlite.org/wal.html §2.2).
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { outputPathConflict } from './output-path';

/** The part of better-sqlite3's API used here (the package ships no types; https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md). */
interface SqliteFile {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(text: string): { get(): unknown; all(): unknown[] };
  exec(text: string): unknown;
  /** SQLite's online backup; `progress` returns how many pages the next step copies. */
  backup(destination: string, options: { progress: () => number }): Promise<{ totalPages: number; remainingPages: number }>;
  close(): void;
}
type SqliteFileOpener = new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => SqliteFile;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BetterSqlite3 = require('better-sqlite3') as SqliteFileOpener;

/** Pages per backup step: all of them, so the copy is one read transaction (one snapshot) however busy the source is. */
const ALL_PAGES = 0x7fffffff;
const TEMP_SUFFIX_BYTES = 6;
/** Tries of a backup that SQLite answered busy before giving up (each waits up to the driver's busy timeout). */
const BUSY_ATTEMPTS = 3;
/** A backup holds keyed hashes and encrypted secrets: readable by its owner only (OWASP ASVS 4.0 §8.3.6 / 14.3). */
const BACKUP_FILE_MODE = 0o600;

/** A refusal of backup or restore: its message is the one line the CLI prints (exit 1). */
export class BackupRefusedError extends Error {
  override readonly name = 'BackupRefusedError';
}

/** What a finished SQLite backup holds. */
export interface BackupSummary {
  /** Pages copied (SQLite pages, each `PRAGMA page_size` bytes). */
  readonly pages: number;
  /** Names of the migrations applied in the copy, oldest first. */
  readonly migrations: string[];
}

/** A sibling temporary path of `target` (same folder, so a rename onto `target` is atomic). */
export function temporarySibling(target: string, role: string): string {
  return join(dirname(target), `.${basename(target)}.${role}-${randomBytes(TEMP_SUFFIX_BYTES).toString('hex')}.tmp`);
}

/**
 * Copies the SQLite database at `source` to `destination` with SQLite's online backup API while other
 * processes read and write it: into a temporary file next to `destination`, checked
 * (`PRAGMA integrity_check`), flushed to disk, then renamed onto `destination`, so a partial copy never
 * carries the final name. `force` replaces an existing `destination`. The copy is created mode 0600.
 * @throws BackupRefusedError when `source` does not exist, `destination` is the database, one of its
 *   files or in its folder (output-path.ts), exists without `force`, or the copy fails its check.
 */
export async function backupSqlite(source: string, destination: string, force: boolean): Promise<BackupSummary> {
  if (!existsSync(source)) throw new BackupRefusedError(`no database at ${source} (DATABASE_URL): nothing to back up.`);
  const conflict = outputPathConflict(destination, { databasePath: source, outsideDatabaseFolder: true });
  if (conflict) throw new BackupRefusedError(conflict);
  if (existsSync(destination) && !force) throw new BackupRefusedError(`${destination} exists: choose a new file, or add --force to replace it.`);
  if (!existsSync(dirname(destination))) {
    throw new BackupRefusedError(`the folder ${dirname(destination)} does not exist: create it first (mkdir -p ${dirname(destination)}), or give a FILE in an existing folder.`);
  }
  const temporary = temporarySibling(destination, 'backup');
  const db = new BetterSqlite3(source, { fileMustExist: true });
  try {
    const { totalPages } = await backupWithRetries(db, temporary);
    selfContained(temporary);
    const checked = inspectSqliteFile(temporary);
    flushToDisk(temporary);
    renameSync(temporary, destination);
    return { pages: totalPages, migrations: checked.migrations };
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(temporary + suffix, { force: true });
  }
}

/**
 * The backup into a new file of mode BACKUP_FILE_MODE (an empty file is an empty SQLite database, so
 * SQLite writes into it and the mode stays), tried again when SQLite answers busy (another process
 * checkpointing or restarting its WAL at that moment; each try waits up to better-sqlite3's 5 s busy
 * timeout first): a try that fails leaves nothing, the next starts over.
 */
async function backupWithRetries(db: SqliteFile, destination: string): Promise<{ totalPages: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      closeSync(openSync(destination, 'wx', BACKUP_FILE_MODE));
      return await db.backup(destination, { progress: () => ALL_PAGES });
    } catch (error) {
      const busy = /SQLITE_BUSY|SQLITE_LOCKED|database is locked/.test(`${(error as { code?: string }).code} ${(error as Error).message}`);
      if (!busy || attempt >= BUSY_ATTEMPTS) throw error;
      rmSync(destination, { force: true });
    }
  }
}

/** Takes a copy out of WAL mode (the source's mode travels with its pages), so the backup is one file, with no -wal beside it. */
function selfContained(path: string): void {
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/**
 * Opens a SQLite file read-only and reads what a restore checks first: `PRAGMA integrity_check` must
 * answer `ok` (https://sqlite.org/pragma.html#pragma_integrity_check), and the applied migrations.
 * `shownAs` is the path refusals name (default `path`): the operator's FILE when `path` is a temporary copy of it.
 * @throws BackupRefusedError when the file is not a SQLite database or is damaged.
 */
export function inspectSqliteFile(path: string, shownAs: string = path): { migrations: string[] } {
  let db: SqliteFile;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupRefusedError(`${shownAs} cannot be opened as a SQLite database: ${(error as Error).message}.`);
  }
  try {
    const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
    if (problems.join() !== 'ok') throw new BackupRefusedError(`${shownAs} fails PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}.`);
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get();
    const migrations = hasTable ? (db.prepare('SELECT name FROM migrations ORDER BY id').all() as Array<{ name: string }>).map((row) => row.name) : [];
    return { migrations };
  } catch (error) {
    if (error instanceof BackupRefusedError) throw error;
    throw new BackupRefusedError(`${shownAs} is not a readable SQLite database: ${(error as Error).message}.`);
  } finally {
    db.close();
  }
}

/**
 * Refuses a backup whose migrations are not a prefix of `known` (this build's, oldest first): one made
 * by a newer build (or another branch) holds a schema this build does not know. An older one is fine:
 * the next start applies the rest.
 * @throws BackupRefusedError naming the first migration this build does not have.
 */
export function requireKnownMigrations(applied: readonly string[], known: readonly string[]): void {
  const unknown = applied.find((name, index) => known[index] !== name);
  if (unknown !== undefined) {
    throw new BackupRefusedError(
      `the backup has migration ${unknown}, which this build does not have at that place (its migrations: ${known.length}, the backup's: ${applied.length}): ` +
        'it was made by a newer build; restore it with that build.',
    );
  }
}

/**
 * Puts `replacement` (a checked copy next to `target`) in place of the database at `target`, atomically:
 * first it takes the database out of WAL mode, which SQLite allows only while no other connection has it
 * open (https://sqlite.org/pragma.html#pragma_journal_mode), so a running gateway is detected and
 * nothing changes; then, holding an exclusive lock, it removes stale -wal/-shm files (SQLite would
 * replay a stale -wal into the new file) and renames `replacement` onto `target`.
 * @throws BackupRefusedError when another process has the database open.
 */
export function replaceSqliteFile(target: string, replacement: string): void {
  flushToDisk(replacement);
  const current = existsSync(target) ? new BetterSqlite3(target, { fileMustExist: true, timeout: 0 }) : null;
  try {
    if (current) {
      try {
        const mode = String(current.pragma('journal_mode = DELETE', { simple: true }));
        if (mode !== 'delete') throw new Error(`the journal mode stayed ${mode}`);
        current.pragma('locking_mode = EXCLUSIVE');
        current.exec('BEGIN EXCLUSIVE');
      } catch (error) {
        throw new BackupRefusedError(
          `${target} is in use by another process (${(error as Error).message}): stop the gateway (and any other program using the database) before restoring.`,
        );
      }
    }
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true });
    renameSync(replacement, target);
  } finally {
    current?.close();
  }
}

/** fsync, so the renamed file's content is on disk before its name is. */
function flushToDisk(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
