// Raw SQL for the hot path (authenticate, credentials). TypeORM's query builder costs a few hundred
// microseconds of CPU per statement (profiled: ~46% of an authentication), far more than SQLite or
// PostgreSQL spend executing it; these statements go straight to the query runner, which keeps
// better-sqlite3's prepared statements cached. Placeholders are `?`, rewritten to `$n` for PostgreSQL.
import type { EntityManager } from 'typeorm';

export interface SqlResult<T> {
  readonly rows: T[];
  readonly affected: number;
}

const dollarised = new Map<string, string>();

function forPostgres(text: string): string {
  let converted = dollarised.get(text);
  if (converted === undefined) {
    let n = 0;
    converted = text.replace(/\?/g, () => `$${++n}`);
    dollarised.set(text, converted);
  }
  return converted;
}

/**
 * Runs one statement on the manager's connection: inside a transaction (Database.write) it joins that
 * transaction; outside, SQLite uses its one connection and PostgreSQL borrows one from the pool.
 */
export async function sql<T = Record<string, unknown>>(manager: EntityManager, text: string, params: unknown[]): Promise<SqlResult<T>> {
  const postgres = manager.connection.options.type === 'postgres';
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(postgres ? forPostgres(text) : text, params, true);
    return { rows: (result.records ?? []) as T[], affected: result.affected ?? 0 };
  } finally {
    if (!manager.queryRunner && postgres) await runner.release();
  }
}
