// Applies pending migrations so that concurrent start-ups of several processes apply each one once.
// PostgreSQL: a session advisory lock makes them take turns; the later ones find nothing pending.
// SQLite (several processes on one file): the loser of a race sees "already exists" or a busy
// snapshot, its transaction rolls back, and it retries and finds the winner's work applied.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';

/** Fixed 64-bit key for pg_advisory_lock: the ASCII bytes of "totp-gw". */
const MIGRATION_LOCK_KEY = '32773643187349367';
const SQLITE_RACE = /already exists|SQLITE_BUSY|database is locked/;
const SQLITE_RETRIES = 10;
const SQLITE_RETRY_DELAY_MS = 100;

const apply = async (dataSource: DataSource) => (await dataSource.runMigrations({ transaction: 'all' })).map((m) => m.name);

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type === 'postgres') return withAdvisoryLock(dataSource);
  for (let attempt = 1; ; attempt++) {
    try {
      return await apply(dataSource);
    } catch (error) {
      if (attempt >= SQLITE_RETRIES || !SQLITE_RACE.test(String((error as Error)?.message))) throw error;
      await sleep(SQLITE_RETRY_DELAY_MS * attempt);
    }
  }
}

async function withAdvisoryLock(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    return await apply(dataSource);
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined);
    await runner.release();
  }
}
