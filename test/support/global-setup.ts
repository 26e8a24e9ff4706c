// Decides once per run whether the PostgreSQL suite runs: DATABASE_URL_POSTGRES if given, else the
// local server. In CI (any truthy CI) an unreachable PostgreSQL is an error; elsewhere its cases are skipped, visibly.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect } from './postgres';
import { isCI } from './ci';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

export default async function globalSetup(): Promise<void> {
  // A development key a test generates goes to a throwaway per-user config directory, never ~/.config.
  process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'totp-gateway-xdg-'));
  const url = process.env.DATABASE_URL_POSTGRES || LOCAL;
  if (await canConnect(url)) {
    process.env.TEST_POSTGRES_ADMIN_URL = url;
  } else if (isCI() || process.env.DATABASE_URL_POSTGRES) {
    throw new Error(`PostgreSQL is not reachable at ${url.replace(/:[^:@/]*@/, ':***@')}; the PostgreSQL suite cannot run.`);
  } else {
    process.stderr.write(`\nPostgreSQL not reachable at ${LOCAL}: the PostgreSQL cases are reported as skipped.\n`);
  }
}
