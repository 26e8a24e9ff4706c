// `backup` under continuous writes from another process gives a copy that `restore` puts back, and whose users authenticate with their TOTPs; `restore` refuses a running gateway, a newer build's backup, a wrong key and a damaged file (naming the operator's FILE); a FILE in a missing folder says how to create it.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AuthenticateTotpDocument, CreateTotpDocument, CreateUserDocument, type GatewayClient } from '../../client';
import { totpCode } from '../support/gateway';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';

const Sqlite = require('better-sqlite3') as new (path: string) => { exec(sql: string): void; pragma(sql: string): unknown; close(): void };

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-backup-'));
const database = join(dir, 'data', 'gateway.sqlite');
const env = {
  NODE_ENV: 'test',
  DATABASE_URL: `sqlite:${database}`,
  GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/** Runs the built CLI (what `npm run cli --` runs) as its own process. */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { PATH: process.env.PATH ?? '', ...(process.env.XDG_CONFIG_HOME && { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME }), ...env, ...extraEnv };
    execFile(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], { cwd: dir, env: childEnv }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Enrolled {
  readonly userId: string;
  readonly secret: string;
}

/** createUser, createTotp and a first authentication (which verifies the TOTP), over HTTP. */
async function enroll(client: GatewayClient, n: number): Promise<Enrolled> {
  const { createUser } = await client.data(CreateUserDocument, { input: { email: `load-${n}-${randomBytes(3).toString('hex')}@example.com` } });
  const { createTotp } = await client.data(CreateTotpDocument, { input: { userId: createUser.userId } });
  await client.request(AuthenticateTotpDocument, { input: { userId: createUser.userId, totpCode: totpCode(createTotp.secret, -1) } });
  return { userId: createUser.userId, secret: createTotp.secret };
}

let gateway: GatewayProcess | undefined;
let credentials: { projectId: string; secret: string };

beforeAll(async () => {
  ensureBuilt();
  gateway = await startProcess(env);
  const output = gateway.output();
  credentials = { projectId: /project id: (project-\S+)/.exec(output)![1], secret: /secret: +(\S+)/.exec(output)![1] };
}, 60_000);
afterAll(async () => {
  await gateway?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('backup while another process writes, then restore', () => {
  const backupFile = join(dir, 'backup.sqlite');
  const before: Enrolled[] = [];
  const after: Enrolled[] = [];

  it('takes a consistent backup while users and TOTPs are created in a loop over HTTP', async () => {
    const client = gateway!.client(credentials.projectId, credentials.secret);
    let phase: 'before' | 'during' | 'after' | 'stop' = 'before';
    let n = 0;
    // Resolved by the writers when their count is reached (no polling, no sleeping).
    let waiting: { count: () => number; target: number; resolve: () => void } | undefined;
    const until = (count: () => number, target: number) => new Promise<void>((resolve) => (waiting = { count, target, resolve }));
    const writer = async () => {
      while (phase !== 'stop') {
        const current = phase;
        const enrolled = await enroll(client, ++n);
        if (current === 'before' && phase === 'before') before.push(enrolled);
        if (current === 'after') after.push(enrolled);
        if (waiting && waiting.count() >= waiting.target) waiting.resolve();
      }
    };
    const writers = [writer(), writer(), writer()];
    await until(() => before.length, 15);
    // The writers keep going while the backup runs in its own process.
    phase = 'during';
    const taken = await cli(['backup', backupFile, '--json']);
    phase = 'after';
    await until(() => after.length, 3);
    phase = 'stop';
    await Promise.all(writers);

    expect(taken).toMatchObject({ code: 0 });
    const summary = JSON.parse(taken.stdout);
    expect(summary.pages).toBeGreaterThan(0);
    expect(summary.migrations.length).toBeGreaterThan(0);
    // One self-contained file: no -wal beside it to lose.
    expect(existsSync(`${backupFile}-wal`)).toBe(false);
    const copy = new Sqlite(backupFile);
    try {
      expect(copy.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      copy.close();
    }
    // The file exists now: a second backup to it is refused unless --force.
    expect(await cli(['backup', backupFile])).toMatchObject({ code: 1, stderr: expect.stringContaining('--force') });
    // A FILE in a folder that does not exist (README's `backups/` in a fresh clone) says how to make it.
    const missing = join(dir, 'no-such-folder');
    expect(await cli(['backup', join(missing, 'b.sqlite')])).toMatchObject({ code: 1, stderr: expect.stringContaining(`create it first (mkdir -p ${missing})`) });
  }, 120_000);

  it('restore refuses while the gateway has the database open, and changes nothing', async () => {
    const refused = await cli(['restore', backupFile]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/in use by another process.*stop the gateway/) });
    const client = gateway!.client(credentials.projectId, credentials.secret);
    const last = after.at(-1)!;
    const { status, errors } = await client.request(AuthenticateTotpDocument, { input: { userId: last.userId, totpCode: totpCode(last.secret, 0) } });
    expect({ status, errors }).toEqual({ status: 200, errors: undefined });
  }, 60_000);

  it('restores into the stopped gateway: users from before the backup authenticate with their TOTPs, later ones are gone', async () => {
    await gateway!.kill();
    const restored = await cli(['restore', backupFile]);
    expect(restored).toMatchObject({ code: 0, stdout: expect.stringContaining('restored') });
    expect(existsSync(`${database}-wal`) && readFileSync(`${database}-wal`).length > 0).toBe(false);
    gateway = await startProcess(env);
    const client = gateway.client(credentials.projectId, credentials.secret);
    for (const user of before) {
      const { errors, data } = await client.request(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: totpCode(user.secret, 0) } });
      expect(errors).toBeUndefined();
      expect(data?.authenticateTotp.userId).toBe(user.userId);
    }
    const later = after.at(-1)!;
    const gone = await client.request(AuthenticateTotpDocument, { input: { userId: later.userId, totpCode: totpCode(later.secret, 0) } });
    expect(gone.errors?.[0].extensions.code).toMatch(/USER_NOT_FOUND|TOTP_NOT_FOUND/);
  }, 120_000);
});

describe('restore refuses a backup it cannot trust, and leaves the database as it was', () => {
  const damaged = (name: string, change: (path: string) => void) => {
    const path = join(dir, name);
    copyFileSync(join(dir, 'backup.sqlite'), path);
    change(path);
    return path;
  };
  const databaseBytes = () => readFileSync(database);

  beforeAll(() => gateway?.kill());

  it('a backup from a newer build (a migration this build does not have)', async () => {
    const newer = damaged('newer.sqlite', (path) => {
      const db = new Sqlite(path);
      db.exec("INSERT INTO migrations (timestamp, name) VALUES (9999999999999, 'FromTheFuture9999999999999')");
      db.close();
    });
    const bytes = databaseBytes();
    expect(await cli(['restore', newer])).toMatchObject({ code: 1, stderr: expect.stringMatching(/FromTheFuture9999999999999.*newer build/) });
    expect(databaseBytes().equals(bytes)).toBe(true);
  });

  it('a backup the configured encryption key cannot read', async () => {
    const bytes = databaseBytes();
    const wrongKey = await cli(['restore', join(dir, 'backup.sqlite')], { GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    expect(wrongKey).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read this database') });
    expect(databaseBytes().equals(bytes)).toBe(true);
  });

  it('a damaged file, and a file that is no database at all', async () => {
    const bytes = databaseBytes();
    const torn = damaged('torn.sqlite', (path) => {
      const fd = openSync(path, 'r+');
      writeSync(fd, randomBytes(8192), 0, 8192, 4096 * 2);
      closeSync(fd);
    });
    expect(await cli(['restore', torn])).toMatchObject({ code: 1, stderr: expect.stringMatching(/integrity_check|not a readable SQLite database|cannot be opened/) });
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, randomBytes(16384));
    // The refusal names the operator's FILE, not the temporary copy the checks read.
    const refused = await cli(['restore', junk]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining(`${junk} is not a readable SQLite database`) });
    expect(refused.stderr).not.toContain('.tmp');
    expect(databaseBytes().equals(bytes)).toBe(true);
  });

  it('PostgreSQL: backup and restore point to pg_dump and pg_restore', async () => {
    const pg = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };
    expect(await cli(['backup', join(dir, 'pg.dump')], pg)).toMatchObject({ code: 1, stderr: expect.stringContaining('pg_dump -Fc') });
    expect(await cli(['restore', join(dir, 'backup.sqlite')], pg)).toMatchObject({ code: 1, stderr: expect.stringContaining('pg_restore') });
  });
});
