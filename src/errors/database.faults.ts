// Which database failures a client should simply retry (the gateway's own wait for a busy SQLite file
// is src/db/database.errors.ts), and the driver's constraint violations, judged by the error's shape.
// Retryable faults come in two kinds, both HTTP 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3):
//   - busy: another writer holds the lock (SQLite's write lock held by the CLI or an operator's shell,
//     a PostgreSQL lock wait, deadlock or serialization failure). The transaction was rolled back, so
//     nothing was written.
//   - unavailable: the database did not answer (a client-side query timeout, a refused, reset or timed
//     out connection, a server shutting down or in recovery, a read-only standby during a failover).
//     A transaction whose COMMIT got no answer may or may not have committed; it says so.
// Everything else stays an unexpected error (masked as INTERNAL_SERVER_ERROR, logged).
import { GatewayError } from './error.catalogue';

export type DatabaseFault = 'busy' | 'unavailable';

/** Retry-After for DATABASE_BUSY: a lock held by another writer is usually released within a second. */
const BUSY_RETRY_AFTER_SECONDS = 1;
/** Retry-After for DATABASE_UNAVAILABLE: a failover typically takes a few seconds. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

// better-sqlite3 error codes, extended ones included (SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE).
const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;
// PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html): serialization
// failure, deadlock, lock not available, statement timeout (query_canceled).
const PG_BUSY = new Set(['40001', '40P01', '55P03', '57014']);
// Class 08 connection exception, class 53 insufficient resources (too many connections), 57P01-57P05
// (shutdown, crash, cannot connect now), 25006 read-only transaction (a standby answering).
const PG_UNAVAILABLE = /^(08...|53...|57P0[1-5]|25006)$/;
// Socket errors of a vanished or unreachable server (Node's errno codes).
const SOCKET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// node-postgres and pg-pool report timeouts and dead connections by message only.
const PG_CLIENT_UNAVAILABLE = /^(Query read timeout|Connection terminated|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

interface DriverErrorShape {
  code?: unknown;
  message?: unknown;
  query?: unknown;
  driverError?: { code?: unknown; message?: unknown };
}

/** The kind of transient fault `error` is (TypeORM's QueryFailedError or a raw driver error), if any. */
export function databaseFault(error: unknown): DatabaseFault | undefined {
  if (!error || typeof error !== 'object' || error instanceof GatewayError) return undefined;
  const e = error as DriverErrorShape;
  const code = String(e.driverError?.code ?? e.code ?? '');
  const message = String(e.driverError?.message ?? e.message ?? '');
  if (SQLITE_BUSY.test(code) || PG_BUSY.has(code)) return 'busy';
  if (PG_UNAVAILABLE.test(code) || SOCKET_UNAVAILABLE.has(code) || PG_CLIENT_UNAVAILABLE.test(message)) return 'unavailable';
  return undefined;
}

/**
 * The coded error a client sees for a transient database fault, or `error` unchanged. The driver
 * error stays on `cause` (logged, never sent). `writeOutcome: 'unknown'` marks a COMMIT that got no
 * answer (or a statement that is its own transaction, `commits`): the transaction may have committed,
 * so a client should read before repeating it.
 */
export function translateDatabaseError(error: unknown, { commits = false }: { commits?: boolean } = {}): unknown {
  const fault = databaseFault(error);
  if (fault === 'busy') return databaseBusy(error);
  if (fault !== 'unavailable') return error;
  // `commits`: the failed statement was a whole unit of work by itself (its own transaction).
  const commitUnknown = commits || String((error as DriverErrorShape).query ?? '').toUpperCase() === 'COMMIT';
  return new GatewayError('DATABASE_UNAVAILABLE', {
    cause: error,
    details: { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS, ...(commitUnknown && { writeOutcome: 'unknown' }) },
    ...(commitUnknown && { message: 'The database did not confirm the write; it may have been applied: read before retrying after retryAfterSeconds.' }),
  });
}

/** DATABASE_BUSY: the lock stayed held past the budget, or a statement was refused for a lock. */
export function databaseBusy(cause: unknown): GatewayError {
  return new GatewayError('DATABASE_BUSY', { cause, details: { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS } });
}

/** Retry-After in seconds of a coded error that carries one (database faults, rate limits). */
export function retryAfterSeconds(error: GatewayError): number | undefined {
  const value = error.details.retryAfterSeconds;
  return typeof value === 'number' ? value : undefined;
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
