// docs/reference.md is what scripts/docs.mjs generates, and the generator refuses when src/config.ts and README's Configuration table name different variables.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts', 'docs.mjs');

function docs(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

it('docs/reference.md is current (npm run docs) and README documents exactly the variables src/config.ts reads', () => {
  // What `npm run docs` does first: compile dist/ when any source is newer (the CLI's USAGE comes from it).
  execFileSync(process.execPath, [join(root, 'scripts', 'ensure-built.js')], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const result = docs('--check');
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
});

describe('on fixtures', () => {
  let dir: string;
  const config = [
    "// A comment that mentions env.COMMENTED_OUT is not a read.",
    "const port = int(env, 'PORT', 4000, 0, 65535);",
    'const host = env.HOST || "127.0.0.1";',
    "const mode = oneOf(env, 'NODE_ENV', ['development'] as const, 'development');",
    "const flag = bool(env, 'SOME_FLAG', false);",
    "const key = env['SOME_KEY'];",
  ].join('\n');
  const readme = (extraRows = '') => [
    '# x', '', '## Configuration', '', '| variable | default | meaning |', '| --- | --- | --- |',
    '| `PORT` | `4000` | HTTP port |', '| `HOST` | `127.0.0.1` | interface |', '| `NODE_ENV` | `development` | mode |',
    '| `SOME_FLAG` | `false` | a flag |', '| `SOME_KEY` | empty | a key |', extraRows, '', '## CLI', '', '| `NOT_CONFIG` | x | other tables are ignored |', '',
  ].join('\n');
  const usage = 'Usage: tool <command> [options]\n\nCommands:\n  serve          serve it\n  rotate --id ID\n                 rotate a key\n                 and more\n\nA note.';
  const run = (configText: string, readmeText: string, ...args: string[]) => {
    writeFileSync(join(dir, 'config.ts'), configText);
    writeFileSync(join(dir, 'README.md'), readmeText);
    return docs('--root', dir, '--config', 'config.ts', '--readme', 'README.md', '--cli', 'cli.js', '--out', 'reference.md', ...args);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'totp-gateway-docs-'));
    writeFileSync(join(dir, 'cli.js'), `exports.USAGE = ${JSON.stringify(usage)};\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every variable and command, then --check passes until the output changes', () => {
    expect(run(config, readme()).status).toBe(0);
    const reference = readFileSync(join(dir, 'reference.md'), 'utf8');
    for (const name of ['PORT', 'HOST', 'NODE_ENV', 'SOME_FLAG', 'SOME_KEY']) expect(reference).toContain(`| \`${name}\` |`);
    expect(reference).not.toContain('COMMENTED_OUT');
    expect(reference).not.toContain('NOT_CONFIG');
    expect(reference).toContain('| `serve` | serve it |');
    expect(reference).toContain('| `rotate --id ID` | rotate a key and more |');
    expect(run(config, readme(), '--check').status).toBe(0);

    writeFileSync(join(dir, 'reference.md'), reference.replace('serve it', 'edited by hand'));
    const stale = run(config, readme(), '--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('reference.md is stale');
  });

  it('fails naming a variable config.ts reads that README does not document', () => {
    const result = run(config + "\nconst extra = int(env, 'NEW_OPTION', 1, 0, 9);\nconst more = str(env, 'OTHER_NEW');", readme());
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing from README\.md's Configuration table: NEW_OPTION, OTHER_NEW/);
    expect(result.stderr).not.toMatch(/stale/);
  });

  it('fails naming a README row for a variable config.ts does not read', () => {
    const result = run(config, readme('| `GONE_OPTION` | `1` | removed long ago |'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not read by config\.ts: GONE_OPTION/);
  });
});
