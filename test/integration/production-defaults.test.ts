// Production defaults: no project secret reaches the production log, /metrics is never left open on
// the public port, a GATEWAY_ENCRYPTION_KEY that cannot read the data refuses the start (rotation
// still starts), and the generated development key lives apart from the data folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateUserDocument } from '../../client';
import { loadConfig } from '../../src/config';
import { createGateway } from '../../src/server';
import { describeEachDialect, startGateway } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { ensureBuilt, startProcess } from '../support/process';
import { METRICS_NOT_SERVED } from '../../src/main';

const root = join(__dirname, '..', '..');
const newKey = () => randomBytes(32).toString('base64');

/** Runs a built entry point (src/main.js or src/cli.js) to its exit; returns its exit code and output. */
function runToExit(script: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', script), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let dir: string;
beforeAll(() => ensureBuilt());
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'totp-gateway-prod-defaults-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a production start', () => {
  it('creates no project and prints no secret on an empty database; the log says how to create one', async () => {
    const env = { NODE_ENV: 'production', DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`, GATEWAY_ENCRYPTION_KEY: newKey(), METRICS_AUTH: 'prom:pw', LOG_LEVEL: 'info' };
    const gateway = await startProcess(env);
    let output: string;
    try {
      await new Promise<void>((resolve) => {
        // Log lines are written asynchronously: wait for each expected line, without timing assumptions.
        const done = () => [/production mode:/, /no project yet/, /PUBLIC_URL is not set/].every((r) => r.test(gateway.output()));
        const check = () => (done() ? resolve() : setTimeout(check, 20));
        check();
      });
      output = gateway.output();
    } finally {
      await gateway.kill();
    }
    expect(output).not.toMatch(/Created project|secret:/);
    const warnings = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(warnings.filter((w) => /no project yet: create one with `totp-gateway project create/.test(w.msg))).toHaveLength(1);
    // No PUBLIC_URL outside development: one warning, naming the issuer every process shares.
    expect(warnings.filter((w) => /^PUBLIC_URL is not set/.test(w.msg))).toHaveLength(1);
    const admin = await createGateway(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { migrate: false });
    try {
      expect(await admin.services.projects.list()).toEqual([]);
    } finally {
      await admin.close();
    }
  });

  it('does not serve /metrics on the public port without METRICS_AUTH or METRICS_PORT, and says so once', async () => {
    const env = { NODE_ENV: 'production', DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`, GATEWAY_ENCRYPTION_KEY: newKey(), LOG_LEVEL: 'info' };
    const gateway = await startProcess(env);
    try {
      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      expect(gateway.output().split('\n').filter((line) => line.includes(METRICS_NOT_SERVED))).toHaveLength(1);
    } finally {
      await gateway.kill();
    }
  });
});

describeEachDialect('the encryption key on %s', (dialect) => {
  let databaseUrl: string;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createDatabase());
    else [databaseUrl, drop] = [`sqlite:${join(dir, 'gateway.sqlite')}`, async () => undefined];
  });
  afterEach(() => drop());

  const start = (keys: { key: string; previous?: string }) =>
    startGateway({ dialect, databaseUrl, env: { GATEWAY_ENCRYPTION_KEY: keys.key, ...(keys.previous && { GATEWAY_ENCRYPTION_KEYS_PREVIOUS: keys.previous }) } });
  const refusal = (keys: { key: string; previous?: string }) =>
    start(keys).then(
      async (gw) => {
        await gw.close();
        return 'started';
      },
      (error: unknown) => (error as Error).message,
    );

  it('refuses another key in one line naming GATEWAY_ENCRYPTION_KEY; the right key still reads everything', async () => {
    const key = newKey();
    const first = await start({ key });
    const { projectId, secret } = first.project;
    await first.close();

    const message = await refusal({ key: newKey() });
    expect(message).toMatch(/^GATEWAY_ENCRYPTION_KEY \(key id \w+\) cannot read this database: .*GATEWAY_ENCRYPTION_KEYS_PREVIOUS\.$/);
    expect(message).not.toContain(key);
    // A previous key that is not the right one either does not help.
    expect(await refusal({ key: newKey(), previous: newKey() })).toMatch(/^GATEWAY_ENCRYPTION_KEY /);

    const again = await start({ key });
    try {
      const client = again.client.with({ projectId, secret });
      expect((await client.data(CreateUserDocument, { input: { email: 'still@example.com' } })).createUser.userId).toMatch(/^user-/);
    } finally {
      await again.close();
    }
  });

  it('starts a rotation (new key, old one previous), then the new key alone', async () => {
    const oldKey = newKey();
    const first = await start({ key: oldKey });
    const { projectId, secret } = first.project;
    await first.close();

    const key = newKey();
    const rotating = await start({ key, previous: oldKey });
    try {
      const client = rotating.client.with({ projectId, secret });
      expect((await client.data(CreateUserDocument, { input: { email: 'rotating@example.com' } })).createUser.userId).toMatch(/^user-/);
    } finally {
      await rotating.close();
    }
    // The new key's check was stored at the rotation's start, so it starts alone once the old key is dropped.
    expect(await refusal({ key })).toBe('started');
    expect(await refusal({ key: newKey() })).toMatch(/^GATEWAY_ENCRYPTION_KEY /);
    // Going back to the old key alone would not read what the new one wrote: refused.
    expect(await refusal({ key: oldKey })).toMatch(/^GATEWAY_ENCRYPTION_KEY .*last written under key id/);
  });

  it('judges a database written before key checks by the key ids in its data', async () => {
    const key = newKey();
    const first = await start({ key });
    await first.gateway.db.write((m) => m.query('DELETE FROM key_checks'));
    await first.close();
    expect(await refusal({ key: newKey() })).toMatch(/^GATEWAY_ENCRYPTION_KEY .*GATEWAY_ENCRYPTION_KEYS_PREVIOUS/);
    expect(await refusal({ key })).toBe('started');
  });
});

it('a real process and the CLI refuse a wrong key with one line on stderr and exit code 1', async () => {
  const databaseUrl = `sqlite:${join(dir, 'gateway.sqlite')}`;
  const created = await runToExit('cli.js', { NODE_ENV: 'test', DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: newKey() }, ['project', 'create', '--name', 'First', '--json']);
  expect(created.code).toBe(0);
  const wrong = { NODE_ENV: 'test', DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: newKey() };
  for (const result of [await runToExit('main.js', wrong), await runToExit('cli.js', wrong, ['project', 'create', '--name', 'Second'])]) {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^totp-gateway: (could not start: )?GATEWAY_ENCRYPTION_KEY .*GATEWAY_ENCRYPTION_KEYS_PREVIOUS/)]);
  }
});

it('keeps a generated development key in the per-user config directory, not in the data folder, and says where', async () => {
  const data = join(dir, 'data');
  const configHome = join(dir, 'config');
  const gateway = await startProcess({ NODE_ENV: 'development', DATABASE_URL: `sqlite:${join(data, 'gateway.sqlite')}`, XDG_CONFIG_HOME: configHome, LOG_LEVEL: 'warn' });
  try {
    const keys = join(configHome, 'totp-gateway', 'keys');
    const files = readdirSync(keys);
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{16}\.key$/)]);
    expect(existsSync(join(data, 'encryption.key'))).toBe(false);
    expect(readdirSync(data).some((f) => f.endsWith('.key'))).toBe(false);
    expect(gateway.output()).toContain(`development key in ${join(keys, files[0])} (kept outside the data folder)`);
    // Development still prints the Default project's secret to the terminal.
    expect(gateway.output()).toMatch(/Created project "Default"/);
  } finally {
    await gateway.kill();
  }
});

it('keeps reading a development key of the older layout in the data folder, and says where to move it', async () => {
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'encryption.key'), newKey() + '\n', { mode: 0o600 });
  const configHome = join(dir, 'config');
  const env = { NODE_ENV: 'development', DATABASE_URL: `sqlite:${join(data, 'gateway.sqlite')}`, XDG_CONFIG_HOME: configHome, LOG_LEVEL: 'warn' };
  const first = await startProcess(env);
  await first.kill();
  // The same key again: the data written by the first start is readable (the key check passes).
  const second = await startProcess(env);
  try {
    expect(second.output()).toMatch(new RegExp(`development key in ${join(data, 'encryption.key')}, inside the data folder.* Move it to ${join(configHome, 'totp-gateway', 'keys')}`));
    expect(existsSync(join(configHome, 'totp-gateway', 'keys'))).toBe(false);
  } finally {
    await second.kill();
  }
});
