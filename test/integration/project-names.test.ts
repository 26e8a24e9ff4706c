// Project names: control characters (NUL first, which PostgreSQL cannot store) and lone surrogates are refused with a coded invalid_project_name error, the 255 limit counts code points, and the CLI says so in one line (exit 1) writing nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cliMain, runCli } from '../../src/cli';
import { GatewayError } from '../../src/errors/error.catalogue';
import { PROJECT_NAME_MAX_CODE_POINTS } from '../../src/projects/project-name.rules';
import { createDatabase } from '../support/postgres';
import { describeEachDialect, startGateway, type TestGateway } from '../support/gateway';

const BAD_NAMES: Array<[string, string]> = [
  ['NUL', 'Acme\u0000Evil'],
  ['a lone NUL', '\u0000'],
  ['BEL', 'Acme\u0007'],
  ['ESC', 'Acme\u001b[31mRed'],
  ['an inner newline', 'Acme\nEvil'],
  ['DEL', 'Acme\u007f'],
  ['C1 NEL', 'Acme\u0085Evil'],
  ['C1 CSI', 'Acme\u009b31m'],
  ['a lone surrogate', 'Acme\ud800'],
];

/** Runs the CLI in this process; returns what it wrote and its exit code. */
async function cli(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => out.push(c.toString()) > 0);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => err.push(c.toString()) > 0);
  process.exitCode = undefined;
  try {
    await cliMain(args);
    return { stdout: out.join(''), stderr: err.join(''), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = undefined;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describeEachDialect('project names on %s', (dialect) => {
  let gw: TestGateway;
  const saved = { ...process.env };
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    gw = await startGateway({ dialect });
    const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-names-'));
    const pg = dialect === 'postgres' ? await createDatabase() : undefined;
    Object.assign(process.env, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: pg ? pg.url : `sqlite:${join(dir, 'cli.sqlite')}`,
      GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    cleanup = async () => {
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  afterAll(async () => {
    process.env = saved;
    await cleanup?.();
    await gw?.close();
  });

  const projectNames = async () => (JSON.parse(await captureJson(['project', 'list', '--json'])) as { projects: Array<{ name: string }> }).projects.map((p) => p.name);
  async function captureJson(args: string[]): Promise<string> {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => out.push(c.toString()) > 0);
    try {
      await runCli(args);
    } finally {
      spy.mockRestore();
    }
    return out.join('');
  }

  it.each(BAD_NAMES)('the service refuses a name with %s as BAD_USER_INPUT invalid_project_name', async (_label, name) => {
    const refused = await gw.gateway.services.projects.create(name).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', errorType: 'invalid_project_name' });
  });

  it('the CLI prints the coded refusal in one line, exits 1 and creates nothing', async () => {
    const before = await projectNames();
    for (const [label, name] of BAD_NAMES) {
      const run = await cli(['project', 'create', '--name', name]);
      expect([label, run.exitCode, run.stdout]).toEqual([label, 1, '']);
      expect(run.stderr).toMatch(/^totp-gateway: A project name may not contain control characters[^\n]*\n$/);
    }
    expect(await projectNames()).toEqual(before);
  });

  it('counts the 255 limit in code points: 255 emoji are a name, 256 are not, and the message says which count', async () => {
    const longest = '🚀'.repeat(PROJECT_NAME_MAX_CODE_POINTS); // 510 UTF-16 units, 1020 UTF-8 bytes
    const created = await cli(['project', 'create', '--name', longest, '--json']);
    expect(created.exitCode).toBe(0);
    expect(await projectNames()).toContain(longest);
    const over = await cli(['project', 'create', '--name', `${longest}x`]);
    expect(over.exitCode).toBe(1);
    expect(over.stderr).toBe(`totp-gateway: A project name is 1 to ${PROJECT_NAME_MAX_CODE_POINTS} Unicode characters (code points) once trimmed; this one has ${PROJECT_NAME_MAX_CODE_POINTS + 1}.\n`);
    expect((await cli(['project', 'create', '--name', ' \t '])).stderr).toMatch(/this one has 0\.\n$/);
  });

  it('trims surrounding whitespace, tabs and line breaks, and keeps everything else', async () => {
    expect((await cli(['project', 'create', '--name', '\t Acme: Ünïcode 株式会社 \n'])).exitCode).toBe(0);
    expect(await projectNames()).toContain('Acme: Ünïcode 株式会社');
  });
});
