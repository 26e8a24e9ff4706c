// DataSource options for both dialects, from the parsed DATABASE_URL (src/config.ts).
// SQLite is the embedded default: WAL so readers never block the writer, synchronous=NORMAL (durable
// at every checkpoint, safe against application crashes; see https://sqlite.org/wal.html).
import { DataSource, type DataSourceOptions } from 'typeorm';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseConfig } from './config';
import { TimeoutSafeClient } from './db/pg-client';
import { Project } from './projects/project.entity';
import { ProjectSecret } from './projects/project-secret.entity';
import { ProjectOrigin } from './projects/project-origin.entity';
import { User } from './users/user.entity';
import { Totp } from './totp/totp.entity';
import { RecoveryCode } from './totp/recovery-code.entity';
import { Session } from './sessions/session.entity';
import { SigningKey } from './sessions/signing-key.entity';
import { AuthEvent } from './audit/auth-event.entity';
import { Initial1764115200000 } from './migrations/1764115200000-Initial';
import { AuthEvents1764201600000 } from './migrations/1764201600000-AuthEvents';
import { RateLimit } from './ratelimit/rate-limit.entity';
import { RateLimits1764288000000 } from './migrations/1764288000000-RateLimits';
import { FrontendAccess1764374400000 } from './migrations/1764374400000-FrontendAccess';
import { LockedEventCounts1764460800000 } from './migrations/1764460800000-LockedEventCounts';
import { IdentityNormalization1764633600000 } from './migrations/1764633600000-IdentityNormalization';
import { KeyChecks1764806400000 } from './migrations/1764806400000-KeyChecks';
import { SigningSchedule1764892800000 } from './migrations/1764892800000-SigningSchedule';
import { RateLimitBuckets1764892800001 } from './migrations/1764892800001-RateLimitBuckets';
import { TotpParameters1764979200000 } from './migrations/1764979200000-TotpParameters';
import { UserSearch1765065600002 } from './migrations/1765065600002-UserSearch';
import { PartialEventWindowIndex1765152000000 } from './migrations/1765152000000-PartialEventWindowIndex';
import { ProjectAssurance1765238400000 } from './migrations/1765238400000-ProjectAssurance';
import { RememberedDevices1765238400001 } from './migrations/1765238400001-RememberedDevices';
import { RememberedDevice } from './remembered-devices/remembered-device.entity';
import { Webhooks1765324800000 } from './migrations/1765324800000-Webhooks';

const entities = [Project, ProjectSecret, User, Totp, RecoveryCode, Session, SigningKey, AuthEvent, RateLimit, ProjectOrigin, RememberedDevice];
export const migrations = [
  Initial1764115200000,
  AuthEvents1764201600000,
  RateLimits1764288000000,
  FrontendAccess1764374400000,
  LockedEventCounts1764460800000,
  IdentityNormalization1764633600000,
  KeyChecks1764806400000,
  SigningSchedule1764892800000,
  RateLimitBuckets1764892800001,
  TotpParameters1764979200000,
  UserSearch1765065600002,
  PartialEventWindowIndex1765152000000,
  ProjectAssurance1765238400000,
  RememberedDevices1765238400001,
  Webhooks1765324800000,
];

// No busy wait in the driver: better-sqlite3 is synchronous, so SQLite's busy handler would sleep on the
// event loop (every request, /healthz included, would wait while another process holds the write
// lock). A busy statement fails at once with SQLITE_BUSY and Database retries it asynchronously
// within DATABASE_BUSY_TIMEOUT_MS (src/db/database.ts); start-up migrations retry on their own.
const SQLITE_DRIVER_BUSY_TIMEOUT_MS = 0;
/**
 * TCP keepalive on PostgreSQL connections, so an idle pooled connection to a server that vanished
 * (failover, partition) is found dead by the kernel instead of by the next request.
 */
const POSTGRES_KEEPALIVE_INITIAL_DELAY_MS = 10_000;
/** pg-pool's default, relied on after a failover: an idle connection to the old server is dropped after this. */
const POSTGRES_IDLE_TIMEOUT_MS = 10_000;
/** How many query timeouts a transaction may sit idle on the server before PostgreSQL ends it. */
const IDLE_IN_TRANSACTION_QUERY_TIMEOUTS = 2;

function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = { entities, migrations, migrationsTableName: 'migrations', synchronize: false, logging: false } as const;
  if (database.kind === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: database.path,
      timeout: SQLITE_DRIVER_BUSY_TIMEOUT_MS,
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        // A 16 MiB page cache and no memory map: at 1M enrolled users a 64 MiB cache plus a 256 MiB
        // map bought no throughput but counted the mapped file in the process's resident memory
        // (BENCHMARKS.md, "Numbers behind code choices"); the OS page cache serves those reads.
        db.pragma('cache_size = -16384');
        db.pragma('mmap_size = 0');
        db.pragma('temp_store = MEMORY');
      },
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: database.url,
    poolSize: database.poolSize,
    // Bounds for a server that stops answering without closing its sockets: connecting (and waiting
    // for a free pooled connection) and every query are timed out on the client, and a connection
    // whose query timed out is closed, not pooled again (src/db/pg-client.ts).
    // Waiting for a free pooled connection is bounded like any query; opening one, by the connect timeout.
    connectTimeoutMS: database.queryTimeoutMs,
    extra: {
      max: database.poolSize,
      statement_timeout: database.statementTimeoutMs || undefined,
      query_timeout: database.queryTimeoutMs,
      // A transaction whose client vanished mid-way (a network split) would keep its row locks until
      // TCP gives up (hours): the server ends any transaction left idle longer than a client could
      // still be waiting on its own query, and frees them.
      idle_in_transaction_session_timeout: database.queryTimeoutMs * IDLE_IN_TRANSACTION_QUERY_TIMEOUTS,
      keepAlive: true,
      keepAliveInitialDelayMillis: POSTGRES_KEEPALIVE_INITIAL_DELAY_MS,
      idleTimeoutMillis: POSTGRES_IDLE_TIMEOUT_MS,
      Client: TimeoutSafeClient,
      connectTimeoutMs: database.connectTimeoutMs,
    },
  };
}

/**
 * A DataSource (not initialised) for `database`. `postgresClient` replaces the pool's Client class
 * (src/db/statement-tracing.ts: the traced one); SQLite's connection is traced after it opens.
 */
export function createDataSource(database: DatabaseConfig, postgresClient?: typeof TimeoutSafeClient): DataSource {
  if (database.kind === 'sqlite') mkdirSync(dirname(database.path), { recursive: true });
  const options = dataSourceOptions(database);
  if (postgresClient && options.type === 'postgres') return new DataSource({ ...options, extra: { ...options.extra, Client: postgresClient } });
  return new DataSource(options);
}
