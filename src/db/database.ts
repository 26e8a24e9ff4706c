// Unit of work over one TypeORM DataSource. Services call `read` and `write`, never the DataSource
// directly, so the SQLite single-connection rule is enforced in one place.
//
// TypeORM's SQLite drivers share ONE connection: two overlapping `transaction()` calls collide
// ("cannot start a transaction within a transaction"), and a plain query issued while another
// request's transaction is open would silently join (and roll back with) it. On SQLite every unit
// of work therefore runs through a FIFO mutex; better-sqlite3 is synchronous, so the mutex only
// orders promise hops and costs microseconds. PostgreSQL gets a pooled connection per transaction.
//
// A database that cannot serve in time is a coded, retryable answer, never a hang or an internal
// error (src/errors/database.faults.ts): SQLite waits for another process's write lock off the event
// loop, for at most DATABASE_BUSY_TIMEOUT_MS, then answers DATABASE_BUSY; PostgreSQL's client-side
// timeouts (src/data-source.ts) become DATABASE_UNAVAILABLE.
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryFailedError, type DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { INLINE_CHECKPOINT_PAGES, SQLITE_DEFAULT_CHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES, WalCheckpointer, type CheckpointerOptions } from './checkpointer';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { sql, sqliteConnection, type SqliteConnection, type SqlResult } from './sql';
import type { DatabaseConfig } from '../config';
import { busyBackoffMs, DEFAULT_BUSY_TIMEOUT_MS } from './database.errors';
import { databaseBusy, databaseFault, translateDatabaseError } from '../errors/database.faults';

export type Dialect = 'sqlite' | 'postgres';

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** One try of a SQLite unit of work: its result, or BUSY when the lock was taken and nothing ran. */
const BUSY = Symbol('busy');
type Attempt<T> = { readonly value: T } | typeof BUSY;

export class Database {
  readonly dialect: Dialect;
  private readonly mutex?: Mutex;
  private readonly busyTimeoutMs: number;

  /** `database`: the settings the DataSource was made from (SQLite: DATABASE_BUSY_TIMEOUT_MS; default 5000 ms). */
  constructor(readonly dataSource: DataSource, database?: DatabaseConfig) {
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
    if (this.dialect === 'sqlite') this.mutex = new Mutex();
    this.busyTimeoutMs = database?.kind === 'sqlite' ? database.busyTimeoutMs : DEFAULT_BUSY_TIMEOUT_MS;
  }

  /**
   * Reads outside a transaction (PostgreSQL: READ COMMITTED on any pooled connection). In WAL mode a
   * read never waits for a writer; a read SQLite still refuses as busy (a checkpoint or recovery in
   * another process) is retried whole, as reads change nothing.
   * @throws GatewayError DATABASE_BUSY / DATABASE_UNAVAILABLE for a transient database fault.
   */
  read<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = () => fn(this.dataSource.manager);
    if (!this.mutex) return run().catch(rethrowTranslated);
    const mutex = this.mutex;
    return this.whileBusy(() => mutex.run(() => unlessBusy(run)));
  }

  /**
   * Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws.
   * @throws GatewayError DATABASE_BUSY (nothing written) / DATABASE_UNAVAILABLE for a transient database fault.
   */
  write<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const mutex = this.mutex;
    if (mutex) return this.whileBusy(() => mutex.run(() => this.sqliteWrite(fn)));
    return this.dataSource.transaction(fn).catch(rethrowTranslated);
  }

  /**
   * Tries `attempt` until it gets past SQLite's lock, sleeping between tries (the event loop, and so
   * every other request, runs meanwhile; the mutex is free while this one sleeps), for at most the
   * busy budget; then DATABASE_BUSY. SQLite has already rolled back whatever a refused try began.
   */
  private async whileBusy<T>(attempt: () => Promise<Attempt<T>>): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let tries = 0; ; tries++) {
      let outcome: Attempt<T>;
      try {
        outcome = await attempt();
      } catch (error) {
        throw translateDatabaseError(error);
      }
      if (outcome !== BUSY) return outcome.value;
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw databaseBusy(new Error(`SQLite stayed locked by another connection for ${this.busyTimeoutMs} ms (DATABASE_BUSY_TIMEOUT_MS)`));
      await sleep(Math.min(busyBackoffMs(tries), remainingMs));
    }
  }

  /**
   * SQLite: `BEGIN IMMEDIATE` on the one connection, not TypeORM's `BEGIN` (DEFERRED). A deferred
   * transaction that reads before it writes holds a read snapshot; if another process (the CLI,
   * a second gateway) commits in between, its first write fails at once with SQLITE_BUSY_SNAPSHOT,
   * which no busy timeout retries. IMMEDIATE takes the write lock up front
   * (https://sqlite.org/lang_transaction.html); while another connection holds it, BEGIN fails at once
   * with SQLITE_BUSY and `whileBusy` tries again later. Every TypeORM or
   * raw statement `fn` runs goes to the same connection, so it runs inside this transaction; the
   * mutex keeps any other unit of work out until it ends. (It also skips TypeORM's transaction
   * wrapper, whose events and awaits cost a few percent of an authentication.)
   */
  private async sqliteWrite<T>(fn: (manager: EntityManager) => Promise<T>): Promise<Attempt<T>> {
    const connection = sqliteConnection(this.dataSource);
    if (!connection) throw new TypeError('the SQLite connection is not open');
    try {
      control(connection, 'BEGIN IMMEDIATE');
    } catch (error) {
      // Another connection holds the write lock: nothing has run yet, so the whole unit may wait and retry.
      if (databaseFault(error) === 'busy') return BUSY;
      throw error;
    }
    try {
      const value = await fn(this.dataSource.manager);
      control(connection, 'COMMIT');
      return { value };
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
   * PostgreSQL: one statement that is a whole unit of work by itself, on any pooled connection, in one
   * round trip: its own transaction, atomic as every single statement is (a data-modifying CTE can do
   * what a transaction of several statements does). SQLite has no such statements; its units of work
   * are `write`s.
   * @throws GatewayError DATABASE_BUSY / DATABASE_UNAVAILABLE (writeOutcome 'unknown': it may have
   * committed) for a transient database fault.
   */
  atomic<T = Record<string, unknown>>(text: string, params: unknown[]): Promise<SqlResult<T>> {
    if (this.dialect !== 'postgres') throw new TypeError('atomic() runs on PostgreSQL only');
    return sql<T>(this.dataSource.manager, text, params).catch((error: unknown) => {
      throw translateDatabaseError(error, { commits: true });
    });
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

  /** `SELECT ... FOR SHARE` where the dialect has row locks: readers proceed together, a writer of the row waits for them (and they for it). */
  get shareLock(): { mode: 'pessimistic_read' } | undefined {
    return this.dialect === 'postgres' ? { mode: 'pessimistic_read' } : undefined;
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

/** Runs a unit that changes nothing; BUSY instead of a failure when SQLite refused it as busy. */
async function unlessBusy<T>(run: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { value: await run() };
  } catch (error) {
    if (databaseFault(error) === 'busy') return BUSY;
    throw error;
  }
}

/** The coded error for a transient database fault, or the error itself. */
function rethrowTranslated(error: unknown): never {
  throw translateDatabaseError(error);
}

/** A transaction-control statement, failing as TypeORM's runner fails (QueryFailedError), like sql(). */
function control(connection: SqliteConnection, statement: string): void {
  try {
    connection.exec(statement);
  } catch (error) {
    throw new QueryFailedError(statement, [], error as Error);
  }
}

/**
 * INSERT of a fully built entity. TypeORM's insert() types JSON-typed columns as nested partials,
 * which rejects plain `Record<string, unknown>`; the row is complete, so the cast is sound.
 */
export function insertRow<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, row: T | T[]) {
  return manager.insert(target, row as QueryDeepPartialEntity<T>);
}
