// Configuration is parsed and validated once: defaults as documented, one clear error per bad value.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, ConfigError } from '../../src/config';

const key = randomBytes(32).toString('base64');
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'totp-gateway-config-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('has the documented defaults', () => {
  const config = loadConfig({ GATEWAY_ENCRYPTION_KEY: key }, dir);
  expect(config).toMatchObject({
    env: 'development',
    host: '127.0.0.1',
    port: 4000,
    publicUrl: 'http://127.0.0.1:4000',
    logLevel: 'info',
    database: { kind: 'sqlite', path: join(dir, 'data/gateway.sqlite') },
    lockout: { maxAttempts: 10, durationSeconds: 3600 },
    recoveryCodes: { retrievable: false },
    sessions: { jwtAlgorithm: 'RS256', jwtLifetimeSeconds: 300 },
    http: { bodyLimitBytes: 1048576 },
    graphql: { sandbox: true, introspection: true },
    operationLimits: { maxAliases: 50, maxDepth: 10, maxTokens: 2000, maxDirectives: 50, maxCost: 5000, maxRootFields: 50 },
    rateLimit: { requestsPerMinute: 0 },
  });
  expect(Object.isFrozen(config.lockout)).toBe(true);
  expect(Object.isFrozen(config.operationLimits)).toBe(true);
});

it('reads the operation limits and the rate limit', () => {
  const config = loadConfig({
    GATEWAY_ENCRYPTION_KEY: key,
    GRAPHQL_MAX_ALIASES: '15',
    GRAPHQL_MAX_DEPTH: '6',
    GRAPHQL_MAX_TOKENS: '1000',
    GRAPHQL_MAX_DIRECTIVES: '5',
    GRAPHQL_MAX_COST: '300',
    GRAPHQL_MAX_ROOT_FIELDS: '10',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '600',
  }, dir);
  expect(config.operationLimits).toEqual({ maxAliases: 15, maxDepth: 6, maxTokens: 1000, maxDirectives: 5, maxCost: 300, maxRootFields: 10 });
  expect(config.rateLimit).toEqual({ requestsPerMinute: 600 });
});

it('reads PostgreSQL URLs with pool size and statement timeout', () => {
  const config = loadConfig({ GATEWAY_ENCRYPTION_KEY: key, DATABASE_URL: 'postgres://u@db:5432/gw', DATABASE_POOL_SIZE: '20' }, dir);
  expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/gw', poolSize: 20, statementTimeoutMs: 5000, queryTimeoutMs: 10_000, connectTimeoutMs: 5000 });
});

it('generates a development key into the data folder, and refuses to in production', () => {
  const config = loadConfig({}, dir);
  expect(config.encryption.generatedKeyPath).toBe(join(dir, 'data/encryption.key'));
  expect(existsSync(config.encryption.generatedKeyPath!)).toBe(true);
  expect(loadConfig({}, dir).encryption.key).toEqual(config.encryption.key);
  expect(() => loadConfig({ NODE_ENV: 'production' }, dir)).toThrow(ConfigError);
  const production = loadConfig({ NODE_ENV: 'production', GATEWAY_ENCRYPTION_KEY: key }, dir);
  expect(production.graphql).toEqual({ sandbox: false, introspection: false });
});

it.each([
  ['PORT', 'abc'],
  ['PORT', '70000'],
  ['LOCKOUT_MAX_ATTEMPTS', '0'],
  ['LOCKOUT_MAX_ATTEMPTS', '101'],
  ['LOCKOUT_DURATION_SECONDS', '299'],
  ['LOCKOUT_DURATION_SECONDS', '604801'],
  ['GATEWAY_ENCRYPTION_KEY', 'c2hvcnQ='],
  ['DATABASE_URL', 'mysql://x'],
  ['LOG_LEVEL', 'loud'],
  ['SESSION_JWT_ALGORITHM', 'HS256'],
  ['RECOVERY_CODES_RETRIEVABLE', 'yes'],
  ['PUBLIC_URL', 'not a url'],
  ['NODE_ENV', 'staging'],
  ['GRAPHQL_MAX_ALIASES', '0'],
  ['GRAPHQL_MAX_DEPTH', 'deep'],
  ['GRAPHQL_MAX_TOKENS', '9'],
  ['GRAPHQL_MAX_DIRECTIVES', '0'],
  ['GRAPHQL_MAX_COST', '0'],
  ['GRAPHQL_MAX_ROOT_FIELDS', '-1'],
  ['RATE_LIMIT_REQUESTS_PER_MINUTE', '-5'],
  ['RATE_LIMIT_REQUESTS_PER_MINUTE', '1.5'],
  ['RATE_LIMIT_REQUESTS_PER_MINUTE', '1000001'],
])('refuses %s=%s with a ConfigError naming it', (name, value) => {
  expect(() => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, [name]: value }, dir)).toThrow(new RegExp(name));
});

it('reads the metrics and shutdown options, and refuses bad ones with one line', () => {
  const defaults = loadConfig({ GATEWAY_ENCRYPTION_KEY: key }, dir);
  expect(defaults.metrics).toEqual({ auth: null, port: 0 });
  expect(defaults.shutdownTimeoutSeconds).toBe(10);
  const config = loadConfig({ GATEWAY_ENCRYPTION_KEY: key, METRICS_AUTH: 'prom:pa:ss', METRICS_PORT: '9464', SHUTDOWN_TIMEOUT_SECONDS: '30' }, dir);
  expect(config.metrics).toEqual({ auth: { username: 'prom', password: 'pa:ss' }, port: 9464 });
  expect(config.shutdownTimeoutSeconds).toBe(30);
  expect(Object.isFrozen(config.metrics.auth)).toBe(true);
  for (const bad of [{ METRICS_AUTH: 'nocolon' }, { METRICS_AUTH: ':pw' }, { METRICS_AUTH: 'user:' }, { METRICS_PORT: '70000' }, { METRICS_PORT: '4000' }, { SHUTDOWN_TIMEOUT_SECONDS: '0' }, { SHUTDOWN_TIMEOUT_SECONDS: 'soon' }]) {
    expect(() => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, ...bad }, dir)).toThrow(ConfigError);
  }
});
