// Readiness: the database answers and no migration is pending. Liveness (/healthz) needs neither.
// The probe is bounded: a database that stops answering without closing its sockets (a failover, a
// partition) must turn /readyz into 503 within seconds, not leave the probe hanging until the
// client-side query timeout or TCP gives up, so load balancers stop sending traffic here.
import type { Database } from '../db/database';

export type Readiness = { ready: true } | { ready: false; reason: 'database_unavailable' | 'migrations_pending' };

/** How long /readyz waits for the database before answering 503 (orchestrator probes default to 1-3 s). */
const READINESS_TIMEOUT_MS = 2000;

/** One probe in flight per database: frequent /readyz calls during an outage share it instead of piling up. */
const inFlight = new WeakMap<Database, Promise<Readiness>>();

export function readiness(db: Database, timeoutMs: number = READINESS_TIMEOUT_MS): Promise<Readiness> {
  let probe = inFlight.get(db);
  if (!probe) {
    probe = probeDatabase(db).finally(() => inFlight.delete(db));
    inFlight.set(db, probe);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reason: 'database_unavailable' }), timeoutMs);
  });
  return Promise.race([probe, timedOut]).finally(() => clearTimeout(timer));
}

async function probeDatabase(db: Database): Promise<Readiness> {
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
