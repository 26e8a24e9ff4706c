// Where a CLI command may write a file of its own (a backup, an import report): never onto the SQLite
// database or the -wal/-shm/-journal files SQLite keeps beside it, by name or through a symlink or hard
// link, and never onto a file the same command reads. Writing there truncates or replaces the live
// database under a running gateway (https://sqlite.org/howtocorrupt.html §1, §2).
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

/** The files SQLite keeps for a database `path`: the file itself, then its write-ahead log, shared memory and rollback journal. */
const SQLITE_FILE_SUFFIXES = ['', '-wal', '-shm', '-journal'] as const;

/** `path` with its folder's symlinks resolved (the folder must exist; the file need not). */
function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return join(realpathSync(dirname(absolute)), basename(absolute));
  } catch {
    return absolute;
  }
}

/** True when both paths exist and are one file (a symlink or hard link to the other included). */
function sameFile(a: string, b: string): boolean {
  const first = statSync(a, { throwIfNoEntry: false });
  const second = statSync(b, { throwIfNoEntry: false });
  return Boolean(first && second && first.dev === second.dev && first.ino === second.ino);
}

/** The SQLite database files of `databasePath` (see SQLITE_FILE_SUFFIXES). */
function sqliteFiles(databasePath: string): string[] {
  return SQLITE_FILE_SUFFIXES.map((suffix) => canonical(databasePath) + suffix);
}

/**
 * Why `output` must not be written, or null when it may be: it is (by name, symlink or hard link) the
 * SQLite database at `databasePath` or one of its side files, lies in the database's folder when
 * `outsideDatabaseFolder` (a backup there dies with the disk it protects against, and could take a side
 * file's name), or is one of `inputs`. `databasePath` is null for PostgreSQL.
 */
export function outputPathConflict(
  output: string,
  options: { databasePath: string | null; inputs?: readonly string[]; outsideDatabaseFolder?: boolean },
): string | null {
  const target = canonical(output);
  for (const input of options.inputs ?? []) {
    if (target === canonical(input) || sameFile(output, input)) return `${output} is the file being read; write to another path.`;
  }
  if (options.databasePath === null) return null;
  const database = options.databasePath;
  if (sqliteFiles(database).some((file) => target === file || sameFile(output, file))) {
    return `${output} is the gateway's database (${database}) or one of its files; writing it would destroy the database: choose another path.`;
  }
  const folder = dirname(canonical(database));
  if (options.outsideDatabaseFolder && (dirname(target) === folder || target.startsWith(folder + sep))) {
    return `${output} is inside the database's folder (${folder}); keep backups on another disk or at least another folder.`;
  }
  return null;
}
