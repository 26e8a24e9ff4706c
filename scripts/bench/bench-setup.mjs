// What the benchmark scripts share to set a gateway up: a fresh PostgreSQL database per run, and the
// seeding child process (scripts/bench/seed.mjs) on the built gateway.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { URL } from 'node:url';

/**
 * Creates an empty database named `${prefix}_<time>_<pid>` on the server DATABASE_URL_POSTGRES names
 * (default postgres://postgres@127.0.0.1:5432/postgres). Returns `{ url, name, admin, pg, drop() }`;
 * `drop()` removes it (WITH (FORCE): connections still open are ended).
 */
export async function createPostgresDatabase(prefix) {
  const admin = process.env.DATABASE_URL_POSTGRES || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  const { default: pg } = await import('pg');
  const withAdmin = async (sql) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await withAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, admin, pg, drop: () => withAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Runs scripts/bench/seed.mjs of the gateway in `gatewayDir` against `env.DATABASE_URL` and resolves
 * with the JSON it writes to `out` (project credentials, user ids and secrets). `args` are seed.mjs's
 * own (--users N --create-users M ...); `env` is added to this process's environment.
 */
export function runSeed(gatewayDir, out, args, env) {
  const child = spawn(process.execPath, [join(gatewayDir, 'scripts/bench/seed.mjs'), ...args, '--out', out], {
    cwd: gatewayDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((ok, ko) => {
    child.once('error', ko);
    child.once('exit', (code) => (code === 0 ? ok(JSON.parse(readFileSync(out, 'utf8'))) : ko(new Error(`seeding failed (exit ${code})`))));
  });
}
