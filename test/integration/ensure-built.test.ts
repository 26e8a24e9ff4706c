// What `npm start` and `npm run cli` build first (scripts/ensure-built.js): a clone's console is rebuilt when console/ is newer than the built page, then left alone; an installed package (no sources) is never built.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const page = join(root, 'dist', 'src', 'console', 'public', 'index.html');

function ensureBuilt(dir = root): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [join(dir, 'scripts', 'ensure-built.js')], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

it('rebuilds the console when a console source is newer than the built page, and only then', () => {
  expect(ensureBuilt().status).toBe(0);
  const builtAt = statSync(page).mtimeMs;
  // A console source edited after the build (its mtime set past the page's).
  const source = join(root, 'console', 'src', 'style.css');
  const later = new Date(builtAt + 2_000);
  utimesSync(source, later, later);
  const rebuilt = ensureBuilt();
  expect(rebuilt).toMatchObject({ status: 0, stderr: expect.stringContaining('building the console') });
  expect(statSync(page).mtimeMs).toBeGreaterThan(later.getTime() - 1);
  // Nothing left beside the served folder by the swap.
  expect(existsSync(join(root, 'dist', 'src', 'console', `public.building-${process.pid}`))).toBe(false);
  expect(ensureBuilt()).toEqual({ status: 0, stderr: '' });
}, 120_000);

it('builds nothing in an installed package: dist/ without src/ or console/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-package-'));
  try {
    // What package.json "files" ships of scripts/: ensure-built.js alone.
    mkdirSync(join(dir, 'scripts'));
    cpSync(join(root, 'scripts', 'ensure-built.js'), join(dir, 'scripts', 'ensure-built.js'));
    mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
    cpSync(join(root, 'dist', 'src', 'main.js'), join(dir, 'dist', 'src', 'main.js'));
    expect(ensureBuilt(dir)).toEqual({ status: 0, stderr: '' });
    expect(existsSync(join(dir, 'dist', 'src', 'console'))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
