// The one test factory: starts an isolated gateway (its own database, key and port) on real HTTP
// and returns helpers. Every integration test goes through it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { generateSync } from 'otplib';
import { loadConfig, type Config } from '../../src/config';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server';
import type { Clock } from '../../src/common/clock';
import {
  AuthenticateTotpDocument,
  CreateTotpDocument,
  CreateUserDocument,
  GatewayClient,
  type CreateTotpMutation,
  type CreateUserInput,
} from '../../client';
import { createDatabase, postgresAdminUrl } from './postgres';

export type Dialect = 'sqlite' | 'postgres';

/** Every dialect the gateway supports; each dialect-parametrised suite is declared for all of them. */
const ALL_DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** The dialects this run can test: SQLite always, PostgreSQL when global-setup found it. */
export const dialects: Dialect[] = postgresAdminUrl() ? ['sqlite', 'postgres'] : ['sqlite'];

/** `describe`, or `describe.skip` when this run cannot reach `dialect` (jest then counts its tests as skipped). */
const describeOn = (dialect: Dialect): jest.Describe => (dialects.includes(dialect) ? describe : describe.skip);

/** PostgreSQL-only suites: skipped (and reported as skipped) without PostgreSQL; global-setup fails CI instead. */
export const describePostgres: jest.Describe = describeOn('postgres');

/**
 * `describe.each` over every dialect, where a dialect this run cannot reach is declared with
 * `describe.skip`: its tests still show in jest's summary as skipped, never silently vanish.
 * `name` may hold `%s` for the dialect.
 */
export function describeEachDialect(name: string, fn: (dialect: Dialect) => void): void {
  for (const dialect of ALL_DIALECTS) describeOn(dialect)(name.replace('%s', dialect), () => fn(dialect));
}

export interface TestProject {
  readonly projectId: string;
  readonly secret: string;
  readonly secretId: string;
  /** For browsers: `X-Public-Token` (see sessionClient). */
  readonly publicToken: string;
  readonly client: GatewayClient;
}

/** A client that calls as a session caller: the project's public token and a session's token or JWT. */
export function sessionClient(base: GatewayClient, publicToken: string, bearer: string, origin?: string): GatewayClient {
  return base.with({
    projectId: undefined,
    secret: undefined,
    headers: { 'x-public-token': publicToken, authorization: `Bearer ${bearer}`, ...(origin && { origin }) },
  });
}

export interface TestGateway {
  readonly url: string;
  readonly config: Config;
  readonly gateway: Gateway;
  readonly dialect: Dialect;
  /** The project every helper uses unless told otherwise. */
  readonly project: TestProject;
  readonly client: GatewayClient;
  /** SQLite: the folder holding the database file (and its -wal). */
  readonly dataDir: string;
  newProject(name?: string): Promise<TestProject>;
  /** createUser with a unique email; returns the user id. */
  createUser(input?: Partial<CreateUserInput>, client?: GatewayClient): Promise<string>;
  /** A user with a TOTP (unverified unless `verify`); returns ids, secret and recovery codes. */
  enroll(options?: { verify?: boolean; client?: GatewayClient }): Promise<Enrollment>;
  /** Everything logged so far, one JSON object per line. */
  logs(): string;
  /** Every byte the database holds (SQLite files; PostgreSQL: a dump of every table's rows). */
  databaseBytes(): Promise<Buffer>;
  close(): Promise<void>;
}

export interface Enrollment extends Pick<CreateTotpMutation['createTotp'], 'totpId' | 'secret' | 'recoveryCodes' | 'otpauthUri' | 'qrCode' | 'qrCodeSvg'> {
  readonly userId: string;
}

/** The current code for a base32 secret, or the code `steps` periods away. */
export function totpCode(secret: string, steps = 0, nowMs = Date.now()): string {
  return generateSync({ secret, epoch: Math.floor(nowMs / 1000) + steps * 30 });
}

let sequence = 0;

export interface StartGatewayOptions {
  dialect?: Dialect;
  env?: Record<string, string>;
  clock?: Clock;
  /**
   * Awaited on every request right after the gateway stamps its arrival (GatewayOptions.afterArrival):
   * the server-side point at which a test may move its clock between a body's arrival and its processing.
   */
  afterArrival?: GatewayOptions['afterArrival'];
  /**
   * Open this existing database (a `DATABASE_URL` of `dialect`) instead of a fresh one; close() then
   * leaves it in place, so a test can reopen it (e.g. after `keys rotate`). The caller removes it.
   * (On SQLite, databaseBytes() then reads nothing: it reads only the factory's own data folder.)
   */
  databaseUrl?: string;
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<TestGateway> {
  const dialect = options.dialect ?? 'sqlite';
  const dataDir = mkdtempSync(join(tmpdir(), 'totp-gateway-test-'));
  const pg = dialect === 'postgres' && !options.databaseUrl ? await createDatabase() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl ?? (pg ? pg.url : `sqlite:${join(dataDir, 'gateway.sqlite')}`),
    GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...options.env,
  }, dataDir);
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const gateway = await createGateway(config, { logStream, clock: options.clock, afterArrival: options.afterArrival });
  const url = await gateway.listen();
  const anonymous = new GatewayClient({ url });

  const newProject = async (name = `Test Project ${++sequence}`): Promise<TestProject> => {
    const created = await gateway.services.projects.create(name);
    return { ...created, client: anonymous.with({ projectId: created.projectId, secret: created.secret }) };
  };
  const project = await newProject('Acme Test');

  const createUser = async (input: Partial<CreateUserInput> = {}, client = project.client) => {
    const data = await client.data(CreateUserDocument, { input: { email: `user${++sequence}-${randomBytes(3).toString('hex')}@example.com`, ...input } });
    return data.createUser.userId;
  };

  return {
    url,
    config,
    gateway,
    dialect,
    project,
    client: project.client,
    dataDir,
    newProject,
    createUser,
    async enroll({ verify = false, client = project.client } = {}) {
      const userId = await createUser({}, client);
      const { createTotp } = await client.data(CreateTotpDocument, { input: { userId } });
      if (verify) {
        // The previous step's code verifies, so a test's "current code" is still unused. If a 30 s
        // boundary passes between computing and judging it, it is two steps old: retry once with the
        // new previous step (the success resets the failure it counted).
        const now = () => options.clock?.now() ?? Date.now();
        const verifyWith = (code: string) => client.request(AuthenticateTotpDocument, { input: { userId, totpCode: code } });
        let result = await verifyWith(totpCode(createTotp.secret, -1, now()));
        if (result.errors?.[0]?.extensions.code === 'UNABLE_TO_AUTHENTICATE_TOTP') result = await verifyWith(totpCode(createTotp.secret, -1, now()));
        if (result.errors?.length) throw new Error(`enroll: verification failed: ${JSON.stringify(result.errors)}`);
      }
      const { totpId, secret, recoveryCodes, otpauthUri, qrCode, qrCodeSvg } = createTotp;
      return { userId, totpId, secret, recoveryCodes, otpauthUri, qrCode, qrCodeSvg };
    },
    logs: () => lines.join(''),
    async databaseBytes() {
      if (dialect === 'sqlite') {
        return Buffer.concat(readdirSync(dataDir).filter((f) => f.startsWith('gateway.sqlite')).map((f) => readFileSync(join(dataDir, f))));
      }
      const tables: Array<{ table_name: string }> = await gateway.db.dataSource.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      const dumps = await Promise.all(tables.map((t) => gateway.db.dataSource.query(`SELECT * FROM "${t.table_name}"`)));
      return Buffer.from(JSON.stringify(dumps));
    },
    async close() {
      await gateway.close();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Error codes of a response, in order, for assertions that must not depend on messages. */
export function codes(response: { errors?: Array<{ extensions?: { code?: string } }> }): string[] {
  return (response.errors ?? []).map((e) => String(e.extensions?.code));
}
