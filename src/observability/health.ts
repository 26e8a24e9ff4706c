// Readiness: the database answers and no migration is pending. Liveness (/healthz) needs neither.
import type { Database } from '../db/database';

export type Readiness = { ready: true } | { ready: false; reason: 'database_unavailable' | 'migrations_pending' };

export async function readiness(db: Database): Promise<Readiness> {
  try {
    // Through the unit of work, so on SQLite it never joins another request's open transaction.
    const pending = await db.read(async (m) => {
      await m.query('SELECT 1');
      return db.dataSource.showMigrations();
    });
    return pending ? { ready: false, reason: 'migrations_pending' } : { ready: true };
  } catch {
    return { ready: false, reason: 'database_unavailable' };
  }
}
