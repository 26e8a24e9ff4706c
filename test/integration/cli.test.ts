// The operator's tools: `npm start` seeds the Default project once, and the CLI's project and secret
// commands produce credentials that work (and stop working) against a running gateway.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, cliMain, USAGE } from '../../src/cli';
import { serve } from '../../src/main';
import { loadConfig } from '../../src/config';
import { printGatewaySchema } from '../../src/schema';
import { CreateUserDocument, GatewayClient } from '../../client';
import type { Gateway } from '../../src/server';

const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-cli-'));
const env = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`,
  GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};
const saved = { ...process.env };
let gateway: Gateway | undefined;

/** Runs `fn` with stdout captured; returns what it printed. */
async function capture(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(chunk.toString());
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

const cli = (...args: string[]) => capture(() => runCli(args));

beforeAll(() => Object.assign(process.env, env));
afterAll(async () => {
  await gateway?.close();
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

it('npm start creates the Default project on an empty database and prints its credentials once', async () => {
  const first = await capture(async () => (gateway = await serve(loadConfig(env), { handleSignals: false })));
  const projectId = /project id: (project-[0-9a-f-]{36})/.exec(first)?.[1];
  const secret = /secret: +(\S+)/.exec(first)?.[1];
  expect(projectId).toBeDefined();
  expect(secret).toBeDefined();
  expect(first).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/graphql/);
  const url = `http://127.0.0.1:${(gateway!.app.server.address() as { port: number }).port}`;
  const client = new GatewayClient({ url, projectId, secret });
  expect((await client.data(CreateUserDocument, { input: { email: 'default@example.com' } })).createUser.userId).toMatch(/^user-/);

  await gateway!.close();
  const second = await capture(async () => (gateway = await serve(loadConfig(env), { handleSignals: false })));
  expect(second).not.toContain('Created project');
  expect(second).not.toContain(secret!);
});

it('project create --json, secret create and secret revoke work against the running gateway', async () => {
  const url = `http://127.0.0.1:${(gateway!.app.server.address() as { port: number }).port}`;
  const created = JSON.parse(await cli('project', 'create', '--name', 'CLI Co', '--json'));
  expect(created).toEqual({
    projectId: expect.stringMatching(/^project-/),
    secretId: expect.stringMatching(/^secret-/),
    secret: expect.any(String),
    publicToken: expect.stringMatching(/^public-token-[0-9a-f-]{36}$/),
  });
  const client = new GatewayClient({ url, projectId: created.projectId, secret: created.secret });
  expect((await client.request(CreateUserDocument, { input: { email: 'cli@example.com' } })).status).toBe(200);

  const second = JSON.parse(await cli('project', 'secret', 'create', '--project', created.projectId, '--json'));
  expect(second.secretId).not.toBe(created.secretId);
  expect(JSON.parse(await cli('project', 'list', '--json')).projects).toContainEqual({
    projectId: created.projectId,
    name: 'CLI Co',
    secretIds: [created.secretId, second.secretId],
  });

  await cli('project', 'secret', 'revoke', '--project', created.projectId, '--secret-id', created.secretId);
  const refused = await client.request(CreateUserDocument, { input: { email: 'cli2@example.com' } });
  expect(refused.status).toBe(401);
  expect(refused.errors?.[0].extensions.code).toBe('UNAUTHORIZED_CREDENTIALS');
  const rotated = client.with({ secret: second.secret });
  expect((await rotated.request(CreateUserDocument, { input: { email: 'cli3@example.com' } })).status).toBe(200);
});

it('project public-token and project origins open the project to a browser origin, and close it again', async () => {
  const url = `http://127.0.0.1:${(gateway!.app.server.address() as { port: number }).port}`;
  const created = JSON.parse(await cli('project', 'create', '--name', 'Web Co', '--json'));
  expect(JSON.parse(await cli('project', 'public-token', '--project', created.projectId, '--json'))).toEqual({ projectId: created.projectId, publicToken: created.publicToken });
  expect(JSON.parse(await cli('project', 'origins', 'add', '--project', created.projectId, '--origin', 'http://localhost:5173/', '--json'))).toEqual({
    projectId: created.projectId,
    origin: 'http://localhost:5173',
    allowed: true,
  });
  expect(JSON.parse(await cli('project', 'origins', 'list', '--project', created.projectId, '--json')).origins).toEqual(['http://localhost:5173']);
  const preflight = () =>
    fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
  expect((await preflight()).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  expect(await cli('project', 'origins', 'remove', '--project', created.projectId, '--origin', 'http://localhost:5173')).toBe('removed http://localhost:5173\n');
  expect((await preflight()).headers.get('access-control-allow-origin')).toBeNull();
  expect(await cli('project', 'origins', 'list', '--project', created.projectId)).toBe('no origins\n');
});

it('schema prints the committed SDL, migrate reports nothing pending', async () => {
  expect(await cli('schema')).toBe(printGatewaySchema());
  expect(JSON.parse(await cli('migrate', '--json'))).toEqual({ applied: [] });
});

it('keys rotate is in the usage, says keyed hashes cannot be re-keyed, and finds nothing to do under one key', async () => {
  expect(USAGE).toMatch(/keys rotate \[--json\]/);
  expect(await cli('--help')).toMatch(/keyed hashes are one-way and cannot be re-keyed/);
  const human = await cli('keys', 'rotate');
  expect(human).toMatch(/^re-encrypted under key [0-9a-f]{12}: 0 TOTP secrets, 0 signing keys, 0 retrievable recovery codes, 0 webhook signing secrets\n/);
  expect(human).toMatch(/Keyed hashes .* cannot be re-keyed/);
  // With --json, stdout is the counts alone; the note goes to stderr.
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(JSON.parse(await cli('keys', 'rotate', '--json'))).toEqual({ totps: 0, signingKeys: 0, recoveryCodes: 0, webhookSecrets: 0 });
    expect(String(stderr.mock.calls[0]?.[0])).toMatch(/cannot be re-keyed/);
  } finally {
    stderr.mockRestore();
  }
});

it('`help` prints the whole usage', async () => {
  expect(await cli('help')).toBe(USAGE + '\n');
});

it('refuses bad usage with exit code 2 and one clear line', async () => {
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    process.exitCode = undefined;
    await capture(() => cliMain(['project', 'create']));
    expect(process.exitCode).toBe(2);
    expect(String(stderr.mock.calls[0][0])).toContain('needs --name');
    process.exitCode = undefined;
    await capture(() => cliMain(['project', 'secret', 'revoke', '--project', 'project-00000000-0000-4000-8000-000000000000', '--secret-id', 'secret-x']));
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
    await capture(() => cliMain(['project', 'origins', 'add', '--project', 'project-00000000-0000-4000-8000-000000000000', '--origin', 'https://example.com/app']));
    expect(process.exitCode).toBe(1);
    expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('is not an origin');
    // A bad flag value: the message, the command's own usage and where the rest is; not the whole usage.
    process.exitCode = undefined;
    await capture(() => cliMain(['totp', 'code', '--secret', 'JBSWY3DPEHPK3PXP', '--digits', '9']));
    expect(process.exitCode).toBe(2);
    const told = String(stderr.mock.calls.at(-1)?.[0]);
    expect(told).toMatch(/^totp-gateway: .*digits.*\nusage: totp-gateway totp code --secret SECRET .*\[--json\]\n/);
    expect(told).toContain('(run `totp-gateway help` for every command)');
    expect(told).not.toContain('keys rotate');
    // An unknown flag: no command to show, only the hint.
    await capture(() => cliMain(['project', 'list', '--bogus']));
    expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/^totp-gateway: .*bogus.*\n\(run `totp-gateway help` for every command\)\n$/);
  } finally {
    process.exitCode = undefined;
    stderr.mockRestore();
  }
});
