// Unit of work over one TypeORM DataSource. Services call `read` and `write`, never the DataSource
// directly, so the SQLite single-connection rule is enforced in one place.
//
// TypeORM's SQLite drivers share ONE connection: two overlapping `transaction()` calls collide
// ("cannot start a transaction within a transaction"), and a plain query issued while another
// request's transaction is open would silently join (and roll back with) it. On SQLite every unit
// of work therefore runs through a FIFO mutex; better-sqlite3 is synchronous, so the mutex only
// orders promise hops and costs microseconds. PostgreSQL gets a pooled connection per transaction.
import { QueryFailedError, type DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { INLINE_CHECKPOINT_PAGES, SQLITE_DEFAULT_CHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES, WalCheckpointer, type CheckpointerOptions } from './checkpointer';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { sqliteConnection, type SqliteConnection } from './sql';

export type Dialect = 'sqlite' | 'postgres';

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class Database {
  readonly dialect: Dialect;
  private readonly mutex?: Mutex;

  constructor(readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
    if (this.dialect === 'sqlite') this.mutex = new Mutex();
  }

  /** Reads outside a transaction (PostgreSQL: READ COMMITTED on any pooled connection). */
  read<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = () => fn(this.dataSource.manager);
    return this.mutex ? this.mutex.run(run) : run();
  }

  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  write<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.mutex) return this.mutex.run(() => this.sqliteWrite(fn));
    return this.dataSource.transaction(fn);
  }

  /**
   * SQLite: `BEGIN IMMEDIATE` on the one connection, not TypeORM's `BEGIN` (DEFERRED). A deferred
   * transaction that reads before it writes holds a read snapshot; if another process (the CLI,
   * a second gateway) commits in between, its first write fails at once with SQLITE_BUSY_SNAPSHOT,
   * which no busy timeout retries. IMMEDIATE takes the write lock up front, waiting for it under
   * the busy timeout like any writer (https://sqlite.org/lang_transaction.html). Every TypeORM or
   * raw statement `fn` runs goes to the same connection, so it runs inside this transaction; the
   * mutex keeps any other unit of work out until it ends. (It also skips TypeORM's transaction
   * wrapper, whose events and awaits cost a few percent of an authentication.)
   */
  private async sqliteWrite<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const connection = sqliteConnection(this.dataSource);
    if (!connection) throw new TypeError('the SQLite connection is not open');
    control(connection, 'BEGIN IMMEDIATE');
    try {
      const result = await fn(this.dataSource.manager);
      control(connection, 'COMMIT');
      return result;
    } catch (error) {
      // A failed COMMIT (disk full, I/O error) leaves the transaction open; roll that back too. The
      // unit's own error is the one to report, even if the ROLLBACK fails as well.
      try {
        if (connection.inTransaction) connection.exec('ROLLBACK');
      } catch {
        // SQLite has already rolled back or the connection is broken; the next BEGIN will say which.
      }
      throw error;
    }
  }

  /**
   * A write transaction that no other process runs at the same time for the same `key` (PostgreSQL:
   * a transaction-scoped advisory lock; SQLite: the in-process mutex, its writer lock does the rest).
   */
  exclusive<T>(key: number, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.write(async (manager) => {
      if (this.dialect === 'postgres') await manager.query('SELECT pg_advisory_xact_lock($1)', [key]);
      return fn(manager);
    });
  }

  /** `SELECT ... FOR UPDATE` where the dialect has row locks; SQLite's writer lock already serialises. */
  get rowLock(): { mode: 'pessimistic_write' } | undefined {
    return this.dialect === 'postgres' ? { mode: 'pessimistic_write' } : undefined;
  }

  private checkpointer?: WalCheckpointer;

  /**
   * SQLite: moves most WAL checkpointing from this connection (inside a request's COMMIT) to a worker
   * thread (src/db/checkpointer.ts). PostgreSQL: nothing to do. The last connection to close
   * checkpoints whatever is left, as SQLite always does.
   */
  async checkpointInBackground(options: CheckpointerOptions, log: (message: string) => void): Promise<void> {
    if (this.dialect !== 'sqlite' || this.checkpointer) return;
    const path = String(this.dataSource.options.database);
    await this.read(async (m) => {
      await m.query(`PRAGMA wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
      await m.query(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    });
    this.checkpointer = WalCheckpointer.start(path, options, {
      // Logged only: a failed background checkpoint leaves the WAL longer, it loses nothing.
      onError: (message) => log(`SQLite background checkpoint failed: ${message}`),
      onExit: () => {
        log('SQLite background checkpointer stopped; checkpointing inline again');
        this.checkpointer = undefined;
        void this.read((m) => m.query(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_CHECKPOINT_PAGES}`)).catch((error: Error) => log(error.message));
      },
    });
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** A transaction-control statement, failing as TypeORM's runner fails (QueryFailedError), like sql(). */
function control(connection: SqliteConnection, statement: string): void {
  try {
    connection.exec(statement);
  } catch (error) {
    throw new QueryFailedError(statement, [], error as Error);
  }
}

/** True when a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown, constraintHint?: string): boolean {
  const e = error as { code?: string; driverError?: { code?: string; message?: string }; message?: string };
  const code = e?.driverError?.code ?? e?.code;
  const message = e?.driverError?.message ?? e?.message ?? '';
  const unique = code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(message);
  return unique && (constraintHint === undefined || message.includes(constraintHint) || JSON.stringify(e?.driverError ?? {}).includes(constraintHint));
}

/**
 * True when a driver error is a foreign-key violation (SQLite or PostgreSQL): a row was written whose
 * parent is gone. With `parentTable`, only when that is the missing parent (PostgreSQL names it in the
 * error's detail; SQLite names no table, so it never matches a `parentTable`).
 */
export function isForeignKeyViolation(error: unknown, parentTable?: string): boolean {
  const e = error as { code?: string; driverError?: { code?: string; message?: string; detail?: string }; message?: string; detail?: string };
  const code = e?.driverError?.code ?? e?.code;
  const message = e?.driverError?.message ?? e?.message ?? '';
  const foreignKey = code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || /FOREIGN KEY constraint failed/.test(message);
  const detail = e?.driverError?.detail ?? e?.detail ?? '';
  return foreignKey && (parentTable === undefined || detail.includes(`is not present in table "${parentTable}"`));
}

/**
 * INSERT of a fully built entity. TypeORM's insert() types JSON-typed columns as nested partials,
 * which rejects plain `Record<string, unknown>`; the row is complete, so the cast is sound.
 */
export function insertRow<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, row: T | T[]) {
  return manager.insert(target, row as QueryDeepPartialEntity<T>);
}
