// A client span per database statement (https://opentelemetry.io/docs/specs/semconv/db/database-spans/),
// under the current request's span: the dialect, the statement's first keyword and its SQL text,
// which in this code base holds placeholders (`?`, `$1`) and never a value. A statement with any
// string literal in it (e.g. a migration's DEFAULT) is recorded by its keyword alone, and parameter
// values are never recorded. Statements outside a traced request (migrations, background sweeps)
// make no span. Installed only when tracing is on.
import { SpanKind, type Span } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_TEXT, ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from '@opentelemetry/semantic-conventions';
import type { Client } from 'pg';
import { DB_SYSTEM_NAME_VALUE_SQLITE, MAX_RECORDED_STATEMENT_CHARS } from '../constants/tracing.constants';
import { failSpan, type Tracing } from '../tracing/tracing';
import { TimeoutSafeClient } from './pg-client';
import type { SqliteConnection } from './sql';

type System = typeof DB_SYSTEM_NAME_VALUE_SQLITE | typeof DB_SYSTEM_NAME_VALUE_POSTGRESQL;

/**
 * A string literal ('...', E'...', X'...'), a dollar-quoted one ($$...$$, $tag$...$tag$) or a number
 * of 4 or more digits (TypeORM inlines some timestamps; a TOTP code is 6 to 8 digits): the text is
 * then not recorded. Short numbers (LIMIT 1, a row position) and placeholders ($12) are kept.
 */
const LITERAL = /'|\$[A-Za-z_]*\$|(?<![\w$])\d{4,}/;
const FIRST_KEYWORD = /^\s*([A-Za-z]+)/;

/** The span's name and attributes for `text`: its keyword always, its text only when it holds no literal. */
function statementAttributes(system: System, text: string): { name: string; attributes: Record<string, string> } {
  const keyword = FIRST_KEYWORD.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const attributes: Record<string, string> = { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: keyword };
  if (!LITERAL.test(text) && text.length <= MAX_RECORDED_STATEMENT_CHARS) attributes[ATTR_DB_QUERY_TEXT] = text;
  return { name: keyword, attributes };
}

/** A failed statement's error type: the driver's code (SQLSTATE, SQLITE_BUSY) or the error's class, never its message. */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ((error as Error | null)?.constructor?.name ?? 'Error');
}

/** The span for one statement, or undefined outside a traced request. */
function startStatement(tracing: Tracing, system: System, text: unknown): Span | undefined {
  const scope = tracing.scope();
  if (!scope) return undefined;
  const { name, attributes } = statementAttributes(system, typeof text === 'string' ? text : '');
  return tracing.startChild(scope, name, SpanKind.CLIENT, attributes);
}

function endStatement(span: Span, error?: unknown): void {
  if (error !== undefined && error !== null) failSpan(span, errorType(error));
  span.end();
}

/** Runs a synchronous statement (better-sqlite3) inside its span. */
function tracedSync<T>(tracing: Tracing, text: string, run: () => T): T {
  const span = startStatement(tracing, DB_SYSTEM_NAME_VALUE_SQLITE, text);
  if (!span) return run();
  try {
    const result = run();
    endStatement(span);
    return result;
  } catch (error) {
    endStatement(span, error);
    throw error;
  }
}

/** The better-sqlite3 statement methods that execute it. */
const EXECUTING = new Set<PropertyKey>(['all', 'get', 'run']);

/**
 * Traces every statement on better-sqlite3's connection: those prepared through it from now on (by
 * TypeORM's query runner and by src/db/sql.ts) and those it executes directly (BEGIN, COMMIT).
 */
export function traceSqliteStatements(connection: SqliteConnection, tracing: Tracing): void {
  const prepare = connection.prepare.bind(connection);
  const exec = connection.exec.bind(connection);
  const mutable = connection as { prepare: SqliteConnection['prepare']; exec: SqliteConnection['exec'] };
  mutable.prepare = (text) =>
    new Proxy(prepare(text), {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        return EXECUTING.has(key) ? (...args: unknown[]) => tracedSync(tracing, text, () => method.apply(target, args)) : method.bind(target);
      },
    });
  mutable.exec = (text) => tracedSync(tracing, text, () => exec(text));
}

/**
 * The pool's Client (src/db/pg-client.ts's) with a span around every query, for both of pg's
 * calling styles: a returned promise (TypeORM's) and a trailing callback (pg-pool's `pool.query`).
 */
export function tracedPostgresClient(tracing: Tracing): typeof TimeoutSafeClient {
  class TracedClient extends TimeoutSafeClient {}
  const query = TimeoutSafeClient.prototype.query as (this: Client, ...args: unknown[]) => unknown;
  TracedClient.prototype.query = function (this: Client, ...args: unknown[]): unknown {
    const first = args[0];
    const span = startStatement(tracing, DB_SYSTEM_NAME_VALUE_POSTGRESQL, typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : first);
    if (!span) return query.apply(this, args);
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: Error | null, result?: unknown) => {
        endStatement(span, error);
        (last as (error: Error | null, result?: unknown) => void)(error, result);
      };
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(() => endStatement(span), (error: unknown) => endStatement(span, error));
    return result;
  } as Client['query'];
  return TracedClient;
}
