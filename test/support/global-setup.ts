// Decides once per run whether the PostgreSQL suite runs: DATABASE_URL_POSTGRES if given, else the
// local server. In CI an unreachable PostgreSQL is an error, never a silent skip.
import { canConnect } from './postgres';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL_POSTGRES || LOCAL;
  if (await canConnect(url)) {
    process.env.TEST_POSTGRES_ADMIN_URL = url;
  } else if (process.env.CI === 'true' || process.env.DATABASE_URL_POSTGRES) {
    throw new Error(`PostgreSQL is not reachable at ${url.replace(/:[^:@/]*@/, ':***@')}; the PostgreSQL suite cannot run.`);
  } else {
    process.stderr.write(`\nPostgreSQL not reachable at ${LOCAL}: running the SQLite suite only.\n`);
  }
}
