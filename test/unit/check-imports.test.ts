// scripts/check-imports.mjs (npm run lint) passes on this repository and fails on an import that points up the layers, on a folder it does not place, and on a stale known exception.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts', 'check-imports.mjs');

function check(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

it('every import of src/ points down the layers', () => {
  expect(check()).toEqual({ status: 0, stderr: '' });
});

describe('on a copy of src/', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'totp-gateway-check-imports-'));
    cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const append = (file: string, line: string) => writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8') + line + '\n');

  it('refuses a low layer importing a feature, naming the edge and the file, type-only imports included', () => {
    append('src/crypto/envelope.ts', "import type { Totp } from '../totp/totp.entity';");
    const result = check('--root', dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('crypto -> totp imports upward (src/crypto/envelope.ts)');
  });

  it('refuses a folder the layers do not place', () => {
    mkdirSync(join(dir, 'src', 'extra'));
    writeFileSync(join(dir, 'src', 'extra', 'extra.rules.ts'), "import { isId } from '../common/ids';\nexport const ok = isId;\n");
    const result = check('--root', dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('not in LAYERS (scripts/check-imports.mjs), place them: extra');
  });

  /** Runs a copy of the script whose KNOWN_UPWARD also lists `exception`, on the copy of src/. */
  function checkWithException(exception: string): { status: number | null; stderr: string } {
    mkdirSync(join(dir, 'scripts'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const copy = join(dir, 'scripts', 'check-imports.mjs');
    const source = readFileSync(script, 'utf8');
    expect(source).toContain('const KNOWN_UPWARD = new Set([');
    writeFileSync(copy, source.replace('const KNOWN_UPWARD = new Set([', `const KNOWN_UPWARD = new Set(['${exception}', `));
    const result = spawnSync(process.execPath, [copy, '--root', dir], { cwd: dir, encoding: 'utf8' });
    return { status: result.status, stderr: result.stderr };
  }

  it('lets a listed upward import pass while it exists', () => {
    append('src/users/user.service.ts', "import type { AuditService } from '../audit/audit.service';\nexport type Audit = AuditService;");
    expect(checkWithException('users -> audit')).toEqual({ status: 0, stderr: '' });
  });

  it('refuses a known upward import that is gone, so the list of exceptions only shrinks', () => {
    const result = checkWithException('users -> audit');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('remove from KNOWN_UPWARD in scripts/check-imports.mjs: users -> audit');
  });
});
