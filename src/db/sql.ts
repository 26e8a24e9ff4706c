// Raw SQL for the hot path (authenticate, credentials). TypeORM's query builder costs a few hundred
// microseconds of CPU per statement (BENCHMARKS.md, "Numbers behind code choices"), far more than SQLite or
// PostgreSQL spend executing it, so these statements skip it. Placeholders are `?`, rewritten to `$n`
// for PostgreSQL.
//
// On SQLite they also skip TypeORM's query runner: its per-statement logger call, two awaited
// broadcaster events and a promise per hop cost about as much CPU as SQLite spends running all of an
// authentication's statements (BENCHMARKS.md, "Numbers behind code choices"). better-sqlite3 is synchronous and
// TypeORM keeps exactly one connection, so a statement run on that connection joins whatever
// transaction is open on it, exactly as the query runner would; Database's mutex keeps units of work
// from interleaving either way.
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

export interface SqlResult<T> {
  readonly rows: T[];
  readonly affected: number;
}

/** A statement as PostgreSQL runs it: `$n` placeholders, and the name it is prepared under on each connection. */
interface PostgresStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * Keyed by SQL text, which only ever comes from the constants of this code base (values are always
 * bound), so the set is small and fixed and needs no eviction; one name per text, so a connection
 * never sees one name with two texts.
 */
const postgresStatements = new Map<string, PostgresStatement>();

function forPostgres(text: string): PostgresStatement {
  let statement = postgresStatements.get(text);
  if (statement === undefined) {
    let n = 0;
    statement = { name: `gw${postgresStatements.size + 1}`, text: text.replace(/\?/g, () => `$${++n}`) };
    postgresStatements.set(text, statement);
  }
  return statement;
}

/** node-postgres's client and pool: both answer `query({ name, text, values })`. */
interface PostgresQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** The part of better-sqlite3's API used here and by Database. */
interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
export interface SqliteConnection {
  readonly inTransaction: boolean;
  prepare(text: string): SqliteStatement;
  exec(text: string): unknown;
}

/**
 * Prepared statements per connection. Keyed by SQL text, which only ever comes from the constants of
 * this code base (values are always bound), so the set is small and fixed and needs no eviction.
 */
const prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();

/** better-sqlite3's connection under a DataSource (TypeORM keeps exactly one), once initialised. */
export function sqliteConnection(dataSource: DataSource): SqliteConnection | undefined {
  if (dataSource.options.type !== 'better-sqlite3') return undefined;
  return (dataSource.driver as unknown as { databaseConnection?: SqliteConnection }).databaseConnection;
}

function runOnSqlite<T>(connection: SqliteConnection, text: string, params: unknown[]): SqlResult<T> {
  let statements = prepared.get(connection);
  if (!statements) prepared.set(connection, (statements = new Map()));
  // better-sqlite3 binds no booleans; TypeORM's runner turns them into 0/1 too.
  const bound = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
  try {
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = connection.prepare(text)));
    if (statement.reader) return { rows: statement.all(...bound) as T[], affected: 0 };
    return { rows: [], affected: statement.run(...bound).changes };
  } catch (error) {
    // The same error TypeORM's runner throws, so callers (isUniqueViolation, error masking) see one shape.
    throw new QueryFailedError(text, bound, error as Error);
  }
}

/**
 * Runs one statement on the manager's connection: inside a transaction (Database.write) it joins that
 * transaction; outside, SQLite uses its one connection and PostgreSQL borrows one from the pool for
 * this statement alone (which is then its own transaction, atomic as any single statement).
 */
export async function sql<T = Record<string, unknown>>(manager: EntityManager, text: string, params: unknown[]): Promise<SqlResult<T>> {
  const sqlite = sqliteConnection(manager.connection);
  if (sqlite) return runOnSqlite<T>(sqlite, text, params);
  if (manager.connection.options.type !== 'postgres') throw new TypeError(`raw SQL runs on SQLite and PostgreSQL, not ${manager.connection.options.type}`);
  const runner = manager.queryRunner as (typeof manager.queryRunner & { databaseConnection?: PostgresQueryable }) | undefined;
  // Inside a transaction the runner is connected: its client is the transaction's connection.
  const target: PostgresQueryable = runner ? (runner.databaseConnection ?? (await runner.connect())) : (manager.connection.driver as unknown as { master: PostgresQueryable }).master;
  const { name, text: dollars } = forPostgres(text);
  try {
    const result = await target.query({ name, text: dollars, values: params });
    return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
  } catch (error) {
    // The same error TypeORM's runner throws, so callers (isUniqueViolation, error masking) see one shape.
    throw new QueryFailedError(dollars, params, error as Error);
  }
}
