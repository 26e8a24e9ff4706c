// SQLite WAL checkpoints run in a worker thread: committed rows reach the database file while the gateway's own connection no longer checkpoints after every 1000 pages.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CHECKPOINTER, INLINE_CHECKPOINT_PAGES, SQLITE_DEFAULT_CHECKPOINT_PAGES } from '../../src/db/checkpointer';
import { startGateway, type TestGateway } from '../support/gateway';

/** The part of better-sqlite3's API used here (the package ships no types). */
interface SqliteDatabase {
  prepare(sql: string): { get(): unknown };
  close(): void;
}
const Sqlite = require('better-sqlite3') as new (path: string, options: { readonly: boolean }) => SqliteDatabase;

/** Users in the main database file alone, as a copy without its WAL sees them. */
function usersInDatabaseFile(gw: TestGateway): number {
  const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-ckpt-'));
  try {
    copyFileSync(join(gw.dataDir, 'gateway.sqlite'), join(dir, 'copy.sqlite'));
    const copy = new Sqlite(join(dir, 'copy.sqlite'), { readonly: true });
    try {
      const table = copy.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'users'").get() as { n: number };
      // Not even the schema has reached the file yet: no users there either.
      return table.n ? (copy.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n : 0;
    } finally {
      copy.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(check: () => boolean, attempts = 50): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (check()) return true;
    await sleep(DEFAULT_CHECKPOINTER.intervalMs);
  }
  return check();
}

describe('SQLite background checkpoints', () => {
  it('copy committed rows into the database file from the worker, with the inline threshold raised', async () => {
    const gw = await startGateway();
    try {
      const [{ wal_autocheckpoint: threshold }] = (await gw.gateway.db.dataSource.query('PRAGMA wal_autocheckpoint')) as Array<{ wal_autocheckpoint: number }>;
      expect(threshold).toBe(INLINE_CHECKPOINT_PAGES);
      for (let i = 0; i < 5; i++) await gw.createUser();
      // Far below either inline threshold: only the worker can have moved these rows into the file.
      expect(await waitFor(() => usersInDatabaseFile(gw) === 5)).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('falls back to inline checkpoints if the worker dies', async () => {
    const gw = await startGateway();
    try {
      const checkpointer = (gw.gateway.db as unknown as { checkpointer: { worker: { terminate(): Promise<number> } } }).checkpointer;
      await checkpointer.worker.terminate();
      const threshold = async () =>
        ((await gw.gateway.db.dataSource.query('PRAGMA wal_autocheckpoint')) as Array<{ wal_autocheckpoint: number }>)[0].wal_autocheckpoint;
      let value = await threshold();
      for (let i = 0; i < 50 && value !== SQLITE_DEFAULT_CHECKPOINT_PAGES; i++) {
        await sleep(20);
        value = await threshold();
      }
      expect(value).toBe(SQLITE_DEFAULT_CHECKPOINT_PAGES);
      expect(gw.logs()).toContain('SQLite background checkpointer stopped');
      // Still serving, and closing does not wait for the dead worker.
      await gw.createUser();
    } finally {
      await gw.close();
    }
  });

  it('SQLITE_BACKGROUND_CHECKPOINT=false keeps SQLite\'s inline default', async () => {
    const gw = await startGateway({ env: { SQLITE_BACKGROUND_CHECKPOINT: 'false' } });
    try {
      const [{ wal_autocheckpoint: threshold }] = (await gw.gateway.db.dataSource.query('PRAGMA wal_autocheckpoint')) as Array<{ wal_autocheckpoint: number }>;
      expect(threshold).toBe(SQLITE_DEFAULT_CHECKPOINT_PAGES);
      for (let i = 0; i < 5; i++) await gw.createUser();
      await sleep(3 * DEFAULT_CHECKPOINTER.intervalMs);
      expect(usersInDatabaseFile(gw)).toBe(0);
    } finally {
      await gw.close();
    }
  });
});
