// Applies pending migrations. On PostgreSQL a session advisory lock makes concurrent start-ups of
// several processes take turns: the first applies, the others then find nothing pending.
import type { DataSource } from 'typeorm';

/** Arbitrary, fixed 64-bit key for pg_advisory_lock ("totp-gw" in ASCII). */
const MIGRATION_LOCK_KEY = '32773643187349367';

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type !== 'postgres') {
    return (await dataSource.runMigrations({ transaction: 'all' })).map((m) => m.name);
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    return (await dataSource.runMigrations({ transaction: 'all' })).map((m) => m.name);
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined);
    await runner.release();
  }
}
