// SQLite write transactions take the write lock when they begin (BEGIN IMMEDIATE), so a unit of work that reads before it writes cannot fail with SQLITE_BUSY_SNAPSHOT when another process commits in between; a unit that throws leaves nothing behind.
import { join } from 'node:path';
import { startGateway, type TestGateway } from '../support/gateway';

/** The part of better-sqlite3's API used here (the package ships no types). */
interface SqliteDatabase {
  prepare(sql: string): { run(...params: unknown[]): { changes: number }; get(...params: unknown[]): unknown };
  close(): void;
}
const Sqlite = require('better-sqlite3') as new (path: string, options: { timeout: number }) => SqliteDatabase;

const RENAME = 'UPDATE projects SET name = ? WHERE id = ?';
const NAME = 'SELECT name FROM projects WHERE id = ?';

describe('SQLite write transactions', () => {
  let gw: TestGateway;
  // Another process's connection (the CLI, a second gateway). No busy timeout: it must not wait,
  // since it runs on this test's thread, which the gateway's transaction needs to finish.
  let other: SqliteDatabase;

  beforeAll(async () => {
    gw = await startGateway({ dialect: 'sqlite' });
    other = new Sqlite(join(gw.dataDir, 'gateway.sqlite'), { timeout: 0 });
  });
  afterAll(async () => {
    other.close();
    await gw.close();
  });

  const nameNow = () => (other.prepare(NAME).get(gw.project.projectId) as { name: string }).name;

  it('holds the write lock from the start: a read-then-write unit commits although another connection tried to write in between', async () => {
    const { projectId } = gw.project;
    let othersWrite: unknown;
    await gw.gateway.db.write(async (m) => {
      await m.query(NAME, [projectId]);
      // Under a DEFERRED transaction this would commit, and the UPDATE below would then fail with
      // SQLITE_BUSY_SNAPSHOT: the read snapshot it holds is no longer the newest.
      try {
        other.prepare(RENAME).run('renamed by the other process', projectId);
      } catch (error) {
        othersWrite = error;
      }
      await m.query(RENAME, ['renamed by the gateway', projectId]);
    });
    expect(othersWrite).toMatchObject({ code: 'SQLITE_BUSY' });
    expect(nameNow()).toBe('renamed by the gateway');
    // Once it committed the lock is free again.
    expect(other.prepare(RENAME).run('renamed by the other process', projectId).changes).toBe(1);
    expect(nameNow()).toBe('renamed by the other process');
  });

  it('rolls back everything a unit wrote when it throws, and the next unit starts clean', async () => {
    const { projectId } = gw.project;
    const before = nameNow();
    await expect(
      gw.gateway.db.write(async (m) => {
        await m.query(RENAME, ['never committed', projectId]);
        throw new Error('the unit failed');
      }),
    ).rejects.toThrow('the unit failed');
    expect(nameNow()).toBe(before);
    await gw.gateway.db.write((m) => m.query(RENAME, ['after the failure', projectId]));
    expect(nameNow()).toBe('after the failure');
  });
});
