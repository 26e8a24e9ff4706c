// TypeORM's own migration commands (`npm run typeorm -- migration:show|run|revert`) load the built
// ormconfig.ts's DataSource and drive the gateway's migrations on both dialects.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { migrations } from '../../src/data-source';
import { dialects } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { ensureBuilt } from '../support/process';

const root = join(__dirname, '..', '..');
const run = promisify(execFile);

/** Runs `typeorm -d dist/ormconfig.js <command>` (what `npm run typeorm -- <command>` runs) against `databaseUrl`. */
async function typeorm(databaseUrl: string, command: string): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const { stdout } = await run(process.execPath, [require.resolve('typeorm/cli.js'), '-d', 'dist/ormconfig.js', command], { cwd: root, env });
  return stdout;
}

/** The names migration:show marks applied (`[X]`) and pending (`[ ]`). */
function shown(output: string): { applied: string[]; pending: string[] } {
  const names = (mark: string) => [...output.matchAll(new RegExp(`^\\[${mark}\\](?: \\d+)? (\\w+)$`, 'gm'))].map((m) => m[1]);
  return { applied: names('X'), pending: names(' ') };
}

const all = migrations.map((m) => m.name);
let dir: string;
beforeAll(() => ensureBuilt());
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'totp-gateway-typeorm-cli-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each(dialects)('typeorm CLI on %s', (dialect) => {
  it('shows, runs and reverts the migrations through ormconfig.ts', async () => {
    const pg = dialect === 'postgres' ? await createDatabase() : undefined;
    const url = pg?.url ?? `sqlite:${join(dir, 'gateway.sqlite')}`;
    try {
      expect(shown(await typeorm(url, 'migration:show'))).toEqual({ applied: [], pending: all });
      await typeorm(url, 'migration:run');
      expect(shown(await typeorm(url, 'migration:show'))).toEqual({ applied: all, pending: [] });
      await typeorm(url, 'migration:revert');
      expect(shown(await typeorm(url, 'migration:show'))).toEqual({ applied: all.slice(0, -1), pending: all.slice(-1) });
      await typeorm(url, 'migration:run');
      expect(shown(await typeorm(url, 'migration:show'))).toEqual({ applied: all, pending: [] });
    } finally {
      await pg?.drop();
    }
  });
});
