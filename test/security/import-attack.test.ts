// The CLI's own output files never overwrite what they must not: an import report never lands on the file being imported or the SQLite database, a backup never on the database, its side files or its folder, and a backup is readable by its owner only.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureBuilt } from '../support/process';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-import-attack-'));
const data = join(dir, 'data');
const database = join(data, 'gateway.sqlite');
const env = { NODE_ENV: 'test', DATABASE_URL: `sqlite:${database}`, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

/** Runs the built CLI as its own process, in `dir`. */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { PATH: process.env.PATH ?? '', ...(process.env.XDG_CONFIG_HOME && { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME }), ...env, ...extraEnv };
    execFile(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], { cwd: dir, env: childEnv }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The database's bytes and the users it holds, to show a refused command changed nothing. */
const databaseBytes = () => readFileSync(database);

let projectId: string;
const line = (email: string) => JSON.stringify({ email, secret: randomBytes(20).toString('hex').slice(0, 32).toUpperCase().replace(/[^A-Z2-7]/g, 'A') }) + '\n';

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(data);
  const created = await cli(['project', 'create', '--name', 'attack', '--json']);
  expect(created.code).toBe(0);
  projectId = (JSON.parse(created.stdout) as { projectId: string }).projectId;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('import --report', () => {
  it('refuses the file being imported as its report, and leaves that file whole', async () => {
    const file = join(dir, 'self.jsonl');
    writeFileSync(file, line('self@example.com'));
    const before = readFileSync(file);
    const run = await cli(['import', '--project', projectId, file, '--report', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--report: .*is the file being read/);
    expect(readFileSync(file)).toEqual(before);
  });

  it.each([
    ['the database', () => database],
    ['its write-ahead log', () => `${database}-wal`],
    ['a symlink to the database', () => {
      const link = join(dir, 'innocent.jsonl');
      if (!existsSync(link)) symlinkSync(database, link);
      return link;
    }],
    ['a hard link to the database', () => {
      const link = join(dir, 'hard.jsonl');
      if (!existsSync(link)) linkSync(database, link);
      return link;
    }],
  ])('refuses %s as the report, and the database stays as it was', async (_name, report) => {
    const file = join(dir, 'users.jsonl');
    writeFileSync(file, line('someone@example.com'));
    const path = report();
    const before = databaseBytes();
    const run = await cli(['import', '--project', projectId, file, '--report', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--report: .*the gateway's database/);
    expect(databaseBytes()).toEqual(before);
    expect((await cli(['project', 'list', '--json'])).code).toBe(0);
  });

  it('still writes a report (mode 0600, also over an earlier world-readable one) next to the file, and again on a re-run', async () => {
    const file = join(dir, 'ok.jsonl');
    writeFileSync(file, line('ok@example.com') + '{not json\n');
    writeFileSync(`${file}.errors.jsonl`, '', { mode: 0o644 });
    for (const expected of [/1 imported/, /1 skipped/]) {
      const run = await cli(['import', '--project', projectId, file]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(expected);
    }
    expect(statSync(`${file}.errors.jsonl`).mode & 0o777).toBe(0o600);
  });
});

describe('import FILE', () => {
  it('one batch naming the same new user twice with different secrets, at maxTotpsPerUser 1: exactly one wins', async () => {
    const file = join(dir, 'twice.jsonl');
    writeFileSync(file, line('twice@example.com') + line('twice@example.com'));
    const run = await cli(['import', '--project', projectId, file]);
    expect(run.stdout).toMatch(/2 lines .*1 imported \(1 users created\).*1 failed/);
    expect(readFileSync(`${file}.errors.jsonl`, 'utf8')).toMatch(/"line":2,.*ACTIVE_TOTP_EXISTS/);
  });

  it('reads a JSON lines file whose one line is larger than the heap without holding it: that line is reported, the next imported', async () => {
    const file = join(dir, 'huge.jsonl');
    const fd = openSync(file, 'w');
    writeSync(fd, '{"email":"huge@example.com","secret":"');
    const block = Buffer.alloc(1 << 20, 'A');
    for (let i = 0; i < 160; i++) writeSync(fd, block);
    writeSync(fd, '"}\r\n' + line('after-huge@example.com'));
    closeSync(fd);
    const run = await cli(['import', '--project', projectId, file], { NODE_OPTIONS: '--max-old-space-size=96' });
    rmSync(file);
    expect(run.stderr).not.toMatch(/heap/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/2 lines .*1 imported.*1 failed/);
    expect(readFileSync(`${file}.errors.jsonl`, 'utf8')).toMatch(/"line":1,.*longer than/);
  }, 60_000);
});

describe('backup FILE', () => {
  it.each([
    ['the live database', () => database],
    ['its write-ahead log', () => `${database}-wal`],
    ['its rollback journal name', () => `${database}-journal`],
    ['another file in the database folder', () => join(data, 'copy.sqlite')],
    ['a symlink to the database', () => {
      const link = join(dir, 'link.sqlite');
      if (!existsSync(link)) symlinkSync(database, link);
      return link;
    }],
  ])('refuses %s, even with --force, and the database stays as it was', async (_name, target) => {
    const path = target();
    const before = databaseBytes();
    const run = await cli(['backup', path, '--force']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/database/);
    expect(databaseBytes()).toEqual(before);
  });

  it('writes a backup readable and writable by its owner only', async () => {
    const target = join(dir, 'backups', 'gateway.sqlite');
    mkdirSync(join(dir, 'backups'));
    const run = await cli(['backup', target]);
    expect(run.code).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });
});
