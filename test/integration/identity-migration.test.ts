// The migration that normalises stored emails and phone numbers: it rewrites rows into the normal form, refuses (naming project and users, changing nothing) when two users would collide, and adds the phone unique index.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { createDataSource, migrations } from '../../src/data-source';
import { runMigrations } from '../../src/db/migrate';
import { isUniqueViolation } from '../../src/errors/database.faults';
import type { DatabaseConfig } from '../../src/config';
import { describeEachDialect } from '../support/gateway';
import { freshDatabase } from '../support/postgres';
import { ensureBuilt } from '../support/process';

const MIGRATION = 'IdentityNormalization1764633600000';
const NFC_E = '\u00e9';
const NFD_E = 'e\u0301';
const P1 = 'project-00000000-0000-4000-8000-000000000001';
const P2 = 'project-00000000-0000-4000-8000-000000000002';
const user = (n: number) => `user-00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

interface OldUser {
  id: string;
  projectId: string;
  email: string | null;
  phoneNumber: string | null;
}

describeEachDialect('identity normalisation migration on %s', (dialect) => {
  let dataSource: DataSource;
  let database: DatabaseConfig;
  let cleanup: () => Promise<void>;
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

  /** A database as it was before the migration: everything up to it applied, it and later ones undone. */
  beforeEach(async () => {
    const fresh = await freshDatabase(dialect);
    ({ database, cleanup } = fresh);
    dataSource = await createDataSource(database).initialize();
    await runMigrations(dataSource);
    const index = migrations.findIndex((m) => m.name === MIGRATION);
    expect(index).toBeGreaterThan(0);
    for (let i = migrations.length - 1; i >= index; i--) await dataSource.undoLastMigration({ transaction: 'all' });
    for (const id of [P1, P2]) await dataSource.query(`INSERT INTO projects (id, name, created_at) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [id, 'Old', Date.now()]);
  });
  afterEach(async () => {
    await dataSource?.destroy();
    await cleanup?.();
  });

  /** Raw SQL, as the old gateway would have stored them (nothing normalised; no phone index). */
  const insert = async (...users: OldUser[]) => {
    for (const u of users) {
      await dataSource.query(
        `INSERT INTO users (id, project_id, email, phone_number, status, trusted_metadata, untrusted_metadata, failed_attempts, created_at)
         VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 'active', '{}', '{}', 0, ${p(5)})`,
        [u.id, u.projectId, u.email, u.phoneNumber, Date.now()],
      );
    }
  };
  const stored = async (): Promise<OldUser[]> =>
    (await dataSource.query('SELECT id, project_id, email, phone_number FROM users ORDER BY id')).map(
      (r: { id: string; project_id: string; email: string | null; phone_number: string | null }) => ({ id: r.id, projectId: r.project_id, email: r.email, phoneNumber: r.phone_number }),
    );
  const applied = async (): Promise<string[]> => (await dataSource.query('SELECT name FROM migrations ORDER BY timestamp')).map((r: { name: string }) => r.name);
  const pending = () => migrations.slice(migrations.findIndex((m) => m.name === MIGRATION)).map((m) => m.name);

  it('rewrites emails and phone numbers into their normal form and keeps what has none', async () => {
    const before: OldUser[] = [
      { id: user(1), projectId: P1, email: `JOS${NFD_E.toUpperCase()}@BÜCHER.example`, phoneNumber: '+14155550199' },
      // The same address in another project is no collision.
      { id: user(2), projectId: P2, email: `jos${NFC_E}@xn--bcher-kva.example`, phoneNumber: '+14155550199' },
      { id: user(3), projectId: P1, email: 'Ada@Example.COM', phoneNumber: null },
      { id: user(4), projectId: P1, email: null, phoneNumber: '+442079460958' },
      // Users without a phone number never collide on it; a stored number libphonenumber refuses is kept as it is.
      { id: user(5), projectId: P1, email: 'grace@example.com', phoneNumber: '+1234567' },
      { id: user(6), projectId: P1, email: 'hopper@example.com', phoneNumber: null },
    ];
    await insert(...before);

    expect(await runMigrations(dataSource)).toEqual(pending());

    expect(await stored()).toEqual([
      { id: user(1), projectId: P1, email: `jos${NFC_E}@xn--bcher-kva.example`, phoneNumber: '+14155550199' },
      { id: user(2), projectId: P2, email: `jos${NFC_E}@xn--bcher-kva.example`, phoneNumber: '+14155550199' },
      { id: user(3), projectId: P1, email: 'ada@example.com', phoneNumber: null },
      { id: user(4), projectId: P1, email: null, phoneNumber: '+442079460958' },
      { id: user(5), projectId: P1, email: 'grace@example.com', phoneNumber: '+1234567' },
      { id: user(6), projectId: P1, email: 'hopper@example.com', phoneNumber: null },
    ]);
    // The new unique index now decides: a second user of P1 with an existing number is refused by the database.
    const duplicate = insert({ id: user(7), projectId: P1, email: 'new@example.com', phoneNumber: '+442079460958' });
    const error = await duplicate.then(() => undefined, (e: unknown) => e);
    expect(isUniqueViolation(error, 'phone_number')).toBe(true);
  });

  it('refuses, naming the project and the users, and changes nothing when two users would collide', async () => {
    const before: OldUser[] = [
      // P1: one address in NFC and in NFD.
      { id: user(11), projectId: P1, email: `jos${NFC_E}@example.com`, phoneNumber: null },
      { id: user(12), projectId: P1, email: `JOS${NFD_E}@Example.com`, phoneNumber: null },
      // P2: one number twice (the old schema had no index on it), and one IDN domain in two forms.
      { id: user(13), projectId: P2, email: 'ada@bücher.example', phoneNumber: '+14155550199' },
      { id: user(14), projectId: P2, email: 'ada@xn--bcher-kva.example', phoneNumber: null },
      { id: user(15), projectId: P2, email: 'other@example.com', phoneNumber: '+14155550199' },
      // Not part of any collision.
      { id: user(16), projectId: P1, email: 'Bystander@Example.com', phoneNumber: '+14155550199' },
    ];
    await insert(...before);
    const migrationsBefore = await applied();

    const error = (await runMigrations(dataSource).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('IdentityCollisionError');
    expect(error.message).toContain(MIGRATION);
    expect(error.message).toContain(`project ${P1}: users ${user(11)}, ${user(12)} share one email`);
    expect(error.message).toContain(`project ${P2}: users ${user(13)}, ${user(14)} share one email`);
    expect(error.message).toContain(`project ${P2}: users ${user(13)}, ${user(15)} share one phone_number`);
    expect(error.message).not.toContain(user(16));
    expect(error.message).toMatch(/never merged or deleted/);
    // Personal data stays out of logs: the message names ids, not addresses or numbers.
    expect(error.message).not.toMatch(/@|\+1415/);

    // Nothing changed: rows as they were, the migration not recorded, no phone index yet.
    expect(await stored()).toEqual(before);
    expect(await applied()).toEqual(migrationsBefore);
    await insert({ id: user(17), projectId: P2, email: null, phoneNumber: '+14155550199' });
    await dataSource.query(`DELETE FROM users WHERE id = ${p(1)}`, [user(17)]);

    // The operator resolves it as README "Identity collisions" says, and the migration then applies.
    await dataSource.query(`DELETE FROM users WHERE id IN (${p(1)}, ${p(2)})`, [user(12), user(14)]);
    await dataSource.query(`UPDATE users SET phone_number = NULL WHERE id = ${p(1)}`, [user(15)]);
    expect(await runMigrations(dataSource)).toEqual(pending());
    expect((await stored()).map((u) => u.email)).toEqual([`jos${NFC_E}@example.com`, 'ada@xn--bcher-kva.example', 'other@example.com', 'bystander@example.com']);
  });

  it('finds numbers that differ only by trunk prefixes and addresses that differ only by quoting, width or case folding', async () => {
    const before: OldUser[] = [
      { id: user(31), projectId: P1, email: 'grace@example.com', phoneNumber: '+49 30 1234567' },
      { id: user(32), projectId: P1, email: '"gr\\ace"@example.com', phoneNumber: '+49 (0) 030 1234567' },
      { id: user(33), projectId: P2, email: 'ſtefan@example.com', phoneNumber: '+490301234567' },
      { id: user(34), projectId: P2, email: 'ＳＴＥＦＡＮ@example.com', phoneNumber: '+49301234567' },
    ];
    await insert(...before);

    const error = (await runMigrations(dataSource).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error.name).toBe('IdentityCollisionError');
    expect(error.message).toContain(`project ${P1}: users ${user(31)}, ${user(32)} share one email`);
    expect(error.message).toContain(`project ${P1}: users ${user(31)}, ${user(32)} share one phone_number`);
    expect(error.message).toContain(`project ${P2}: users ${user(33)}, ${user(34)} share one email`);
    expect(error.message).toContain(`project ${P2}: users ${user(33)}, ${user(34)} share one phone_number`);
    expect(await stored()).toEqual(before);

    await dataSource.query(`DELETE FROM users WHERE id IN (${p(1)}, ${p(2)})`, [user(32), user(34)]);
    expect(await runMigrations(dataSource)).toEqual(pending());
    expect(await stored()).toEqual([
      { id: user(31), projectId: P1, email: 'grace@example.com', phoneNumber: '+49301234567' },
      { id: user(33), projectId: P2, email: 'stefan@example.com', phoneNumber: '+49301234567' },
    ]);
  });

  it('stops `totp-gateway migrate` with exit code 1 and the refusal on stderr', async () => {
    await insert(
      { id: user(21), projectId: P1, email: null, phoneNumber: '+1 415 555 0199' },
      { id: user(22), projectId: P1, email: null, phoneNumber: '+14155550199' },
    );
    ensureBuilt();
    const result = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'bin', 'totp-gateway.js'), 'migrate'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: database.kind === 'sqlite' ? `sqlite:${database.path}` : database.url,
        GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`totp-gateway: ${MIGRATION} refused`);
    expect(result.stderr).toContain(`project ${P1}: users ${user(21)}, ${user(22)} share one phone_number`);
    expect(await applied()).not.toContain(MIGRATION);
  });
});
