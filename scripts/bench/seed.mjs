#!/usr/bin/env node
// Bench seeder: fills a fresh gateway database directly, before the gateway starts, so a million
// users take minutes instead of hours of GraphQL round trips. It uses the BUILT gateway (dist/) for
// everything that must match production byte for byte: the configuration parser, the DataSource and
// migrations, ProjectService.create (project + hashed secret), newId, the AES-256-GCM Envelope
// (AAD = the TOTP id, as TotpService.create does) and the base32 encoder. Only the row INSERTs are
// hand-written, with the column names and types of src/migrations (epoch-ms BIGINTs, SQLite booleans
// as integers).
//
//   GATEWAY_ENCRYPTION_KEY=... DATABASE_URL=sqlite:/tmp/x.sqlite \
//     node scripts/bench/seed.mjs --users 20000 --create-users 50000 --out /tmp/seed.json
//
// Seeds: one project "Bench" with its JWT signing key; --users users each with a VERIFIED TOTP whose last_step is the current
// step - 2 (so the current and the next code are both fresh); --create-users users without a TOTP (for
// the createTotp phase). Recovery codes are NOT seeded: no measured operation reads them.
// Writes --out: { projectId, secret, users: [userId...], secrets: [base32...], spare: [userId...], seed_s }.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const { values: opt } = parseArgs({
  options: {
    users: { type: 'string', default: '20000' },
    'create-users': { type: 'string', default: '50000' },
    out: { type: 'string' },
    // One endpoint subscribed to every event type (run.mjs --webhook).
    'webhook-url': { type: 'string' },
  },
});
const N = Number(opt.users);
const SPARE = Number(opt['create-users']);
if (!(Number.isInteger(N) && N >= 1 && Number.isInteger(SPARE) && SPARE >= 0 && opt.out)) {
  throw new Error('usage: seed.mjs --users N --create-users M --out FILE (DATABASE_URL and GATEWAY_ENCRYPTION_KEY in the environment)');
}

const { createDataSource } = await import('../../dist/src/data-source.js');
const { loadConfig } = await import('../../dist/src/config.js');
const { runMigrations } = await import('../../dist/src/db/migrate.js');
const { Database } = await import('../../dist/src/db/database.js');
const { createServices } = await import('../../dist/src/services.js');
const { createKeyring } = await import('../../dist/src/crypto/keyring.js');
const { Envelope } = await import('../../dist/src/crypto/envelope.js');
const { newId } = await import('../../dist/src/common/ids.js');
const { encodeBase32, timeStep, SECRET_BYTES } = await import('../../dist/src/totp/otp.generator.js');

const log = (...a) => console.error('[seed]', ...a);
const t0 = performance.now();

// The same parser the gateway runs, so the database and the key are read exactly as it will read them.
const config = loadConfig({
  NODE_ENV: 'production',
  // Production requires /metrics protected; the seed serves nothing.
  METRICS_AUTH: 'bench:bench',
  DATABASE_URL: process.env.DATABASE_URL,
  GATEWAY_ENCRYPTION_KEY: process.env.GATEWAY_ENCRYPTION_KEY,
  SESSION_JWT_ALGORITHM: process.env.SESSION_JWT_ALGORITHM,
});
const dataSource = createDataSource(config.database);
await dataSource.initialize();
await runMigrations(dataSource);
const db = new Database(dataSource);
const services = createServices(config, db);
const credentials = await services.projects.create('Bench');
// A deployment with users has issued sessions before, so its project already has a JWT signing key
// (SESSION_JWT_ALGORITHM): made here, not by the first timed request (RSA key generation is slow).
await services.signingKeys.signingKey(credentials.projectId);
const envelope = new Envelope(createKeyring(config.encryption.key, config.encryption.previousKeys));
const projectId = credentials.projectId;
if (opt['webhook-url']) {
  const { WebhookEndpointService } = await import('../../dist/src/webhooks/webhook-endpoint.service.js');
  // Outside production rules for the URL only: the bench receiver is http on 127.0.0.1.
  const endpoints = new WebhookEndpointService(db, services.envelope, { now: () => Date.now() }, { production: false, secretOverlapMs: 0 });
  const { endpoint } = await endpoints.create(projectId, { url: opt['webhook-url'] });
  log(`webhook endpoint ${endpoint.endpointId} subscribed to ${endpoint.eventTypes.length} event types`);
}

const now = Date.now();
// Never >= the current step: the current and next codes must be fresh, and a code computed just
// before a 30 s boundary (the previous step once judged) must be fresh too.
const lastStep = timeStep(now) - 2;
const expiresAt = now + 1440 * 60_000;
const users = new Array(N);
const secrets = new Array(N);
const spare = new Array(SPARE);

const USER_COLUMNS = ['id', 'project_id', 'email', 'phone_number', 'first_name', 'middle_name', 'last_name', 'status', 'external_id',
  'trusted_metadata', 'untrusted_metadata', 'failed_attempts', 'locked_until', 'created_at'];
const TOTP_COLUMNS = ['id', 'project_id', 'user_id', 'secret_ciphertext', 'verified', 'last_step', 'expires_at', 'created_at', 'verified_at'];
const VERIFIED = config.database.kind === 'sqlite' ? 1 : true;

const userRow = (userId, i) => [userId, projectId, `bench-${i}@example.com`, null, null, null, null, 'active', null, '{}', '{}', 0, null, now];

/** Builds the rows of users [from, to): a user, and for i < N a verified TOTP with a fresh secret. */
function batch(from, to) {
  const userRows = [];
  const totpRows = [];
  for (let i = from; i < to; i++) {
    const userId = newId('user');
    userRows.push(userRow(userId, i));
    if (i < N) {
      const secret = randomBytes(SECRET_BYTES);
      const totpId = newId('totp');
      totpRows.push([totpId, projectId, userId, envelope.encrypt(secret, totpId), VERIFIED, lastStep, expiresAt, now, now]);
      users[i] = userId;
      secrets[i] = encodeBase32(secret);
    } else {
      spare[i - N] = userId;
    }
  }
  return { userRows, totpRows };
}

const TOTAL = N + SPARE;
let lastReport = 0;
if (config.database.kind === 'sqlite') {
  // better-sqlite3 underneath TypeORM: prepared statements, one transaction per 50k users.
  const db = dataSource.driver.databaseConnection;
  db.pragma('cache_size = -262144'); // 256 MiB page cache for this connection only (random-uuid index inserts)
  const insertUser = db.prepare(`INSERT INTO users (${USER_COLUMNS.join(', ')}) VALUES (${USER_COLUMNS.map(() => '?').join(', ')})`);
  const insertTotp = db.prepare(`INSERT INTO totps (${TOTP_COLUMNS.join(', ')}) VALUES (${TOTP_COLUMNS.map(() => '?').join(', ')})`);
  const write = db.transaction(({ userRows, totpRows }) => {
    for (const r of userRows) insertUser.run(r);
    for (const r of totpRows) insertTotp.run(r);
  });
  const STEP = 50_000;
  for (let from = 0; from < TOTAL; from += STEP) {
    write(batch(from, Math.min(TOTAL, from + STEP)));
    progress(Math.min(TOTAL, from + STEP));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
} else {
  // PostgreSQL: multi-row INSERTs of 1000 rows (14 columns x 1000 = 14k parameters, under the 65535
  // limit), 50 of them per transaction.
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const insert = async (table, columns, rows) => {
    if (!rows.length) return;
    const params = [];
    const tuples = rows.map((r) => `(${r.map((v) => { params.push(v); return `$${params.length}`; }).join(', ')})`);
    await runner.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  };
  const ROWS = 1000;
  const PER_TX = 50;
  for (let from = 0; from < TOTAL; from += ROWS * PER_TX) {
    await runner.startTransaction();
    for (let b = from; b < Math.min(TOTAL, from + ROWS * PER_TX); b += ROWS) {
      const { userRows, totpRows } = batch(b, Math.min(TOTAL, b + ROWS));
      await insert('users', USER_COLUMNS, userRows);
      await insert('totps', TOTP_COLUMNS, totpRows);
    }
    await runner.commitTransaction();
    progress(Math.min(TOTAL, from + ROWS * PER_TX));
  }
  // What autovacuum would do soon after a bulk load in a real deployment.
  await runner.query('ANALYZE users');
  await runner.query('ANALYZE totps');
  await runner.release();
}
await dataSource.destroy();

const seconds = (performance.now() - t0) / 1000;
writeFileSync(opt.out, JSON.stringify({ projectId, secret: credentials.secret, users, secrets, spare, seed_s: +seconds.toFixed(1) }));
log(`${N} users with verified TOTPs + ${SPARE} without, ${config.database.kind}, in ${seconds.toFixed(1)} s`);

function progress(done) {
  const t = performance.now();
  if (done < TOTAL && t - lastReport < 10_000) return;
  lastReport = t;
  log(`${done}/${TOTAL} users (${((t - t0) / 1000).toFixed(1)} s)`);
}
