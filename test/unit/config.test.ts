// Configuration is parsed and validated once: defaults as documented, one clear error per bad value.
import { mkdtempSync, rmSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
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
    publicUrl: null,
    logLevel: 'info',
    database: { kind: 'sqlite', path: join(dir, 'data/gateway.sqlite') },
    lockout: { maxAttempts: 10, durationSeconds: 3600, maxDurationSeconds: 604800, hardLimit: 100 },
    recoveryCodes: { retrievable: false },
    sessions: { jwtAlgorithm: 'RS256', jwtLifetimeSeconds: 300 },
    http: { bodyLimitBytes: 1048576 },
    graphql: { explorer: 'sandbox', introspection: true },
    operationLimits: { maxAliases: 50, maxDepth: 10, maxTokens: 2000, maxDirectives: 50, maxCost: 5000, maxRootFields: 50 },
    rateLimit: { requestsPerMinute: 0, sessionRequestsPerMinute: 0, ipRequestsPerMinute: 0 },
  });
  expect(config.http.trustedProxies).toEqual([]);
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
  expect(config.rateLimit).toEqual({ requestsPerMinute: 600, sessionRequestsPerMinute: 600, ipRequestsPerMinute: 0 });
});

it('reads the per-session and per-address rate limits and the trusted proxies', () => {
  const config = loadConfig({
    GATEWAY_ENCRYPTION_KEY: key,
    RATE_LIMIT_REQUESTS_PER_MINUTE: '600',
    RATE_LIMIT_SESSION_REQUESTS_PER_MINUTE: '30',
    RATE_LIMIT_IP_REQUESTS_PER_MINUTE: '120',
    TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16,::1,fd00::/8,loopback',
  }, dir);
  expect(config.rateLimit).toEqual({ requestsPerMinute: 600, sessionRequestsPerMinute: 30, ipRequestsPerMinute: 120 });
  expect(config.http.trustedProxies).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8', 'loopback']);
});

it('reads PostgreSQL URLs with pool size and statement timeout', () => {
  const config = loadConfig({ GATEWAY_ENCRYPTION_KEY: key, DATABASE_URL: 'postgres://u@db:5432/gw', DATABASE_POOL_SIZE: '20' }, dir);
  expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/gw', poolSize: 20, statementTimeoutMs: 5000, queryTimeoutMs: 10_000, connectTimeoutMs: 5000 });
});

it('generates a development key into the per-user config directory, apart from the data, and refuses to in production', () => {
  const env = { XDG_CONFIG_HOME: join(dir, 'config') };
  const config = loadConfig(env, dir);
  const path = config.encryption.generatedKeyPath!;
  expect(path.startsWith(join(dir, 'config', 'totp-gateway') + sep)).toBe(true);
  expect(path.startsWith(join(dir, 'data'))).toBe(false);
  expect(existsSync(path)).toBe(true);
  expect(existsSync(join(dir, 'data/encryption.key'))).toBe(false);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(config.encryption.moveGeneratedKeyTo).toBeUndefined();
  expect(loadConfig(env, dir).encryption.key).toEqual(config.encryption.key);
  // Another data folder gets its own key; without XDG_CONFIG_HOME it is under HOME/.config.
  const other = loadConfig({ ...env, DATABASE_URL: 'sqlite:./other/gateway.sqlite' }, dir).encryption;
  expect(other.generatedKeyPath).not.toBe(path);
  expect(other.key).not.toEqual(config.encryption.key);
  expect(loadConfig({ HOME: join(dir, 'home') }, dir).encryption.generatedKeyPath!.startsWith(join(dir, 'home', '.config', 'totp-gateway') + sep)).toBe(true);
  expect(() => loadConfig({ NODE_ENV: 'production' }, dir)).toThrow(ConfigError);
  const production = loadConfig({ NODE_ENV: 'production', GATEWAY_ENCRYPTION_KEY: key, METRICS_PORT: '9464' }, dir);
  expect(production.graphql).toEqual({ explorer: 'off', introspection: false });
});

it('picks the GraphQL explorer from GRAPHQL_EXPLORER, else from GRAPHQL_SANDBOX as before, and refuses the two disagreeing', () => {
  const explorer = (env: Record<string, string>) => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, METRICS_PORT: '9464', ...env }, dir).graphql.explorer;
  // Unset: Sandbox outside production, none in production (what GRAPHQL_SANDBOX's defaults gave).
  expect(explorer({})).toBe('sandbox');
  expect(explorer({ NODE_ENV: 'test' })).toBe('sandbox');
  expect(explorer({ NODE_ENV: 'production' })).toBe('off');
  // GRAPHQL_SANDBOX alone: on is Sandbox everywhere; off is the offline GraphiQL, except in production.
  expect(explorer({ GRAPHQL_SANDBOX: 'true', NODE_ENV: 'production' })).toBe('sandbox');
  expect(explorer({ GRAPHQL_SANDBOX: 'false' })).toBe('graphiql');
  expect(explorer({ GRAPHQL_SANDBOX: 'false', NODE_ENV: 'production' })).toBe('off');
  // GRAPHQL_EXPLORER wins over every default, in production too.
  for (const NODE_ENV of ['development', 'production']) {
    for (const value of ['sandbox', 'graphiql', 'off']) expect(explorer({ NODE_ENV, GRAPHQL_EXPLORER: value })).toBe(value);
  }
  expect(explorer({ GRAPHQL_EXPLORER: 'graphiql', GRAPHQL_SANDBOX: 'false' })).toBe('graphiql');
  expect(explorer({ GRAPHQL_EXPLORER: 'sandbox', GRAPHQL_SANDBOX: 'true' })).toBe('sandbox');
  expect(() => explorer({ GRAPHQL_EXPLORER: 'graphiql', GRAPHQL_SANDBOX: 'true' })).toThrow(/GRAPHQL_SANDBOX=true contradicts GRAPHQL_EXPLORER=graphiql/);
  expect(() => explorer({ GRAPHQL_EXPLORER: 'sandbox', GRAPHQL_SANDBOX: 'false' })).toThrow(ConfigError);
  expect(() => explorer({ GRAPHQL_EXPLORER: 'graphql' })).toThrow(/GRAPHQL_EXPLORER must be one of sandbox, graphiql, off/);
});

it('keeps using a development key of the older layout in the data folder, and says where to move it', () => {
  const legacy = join(dir, 'data', 'encryption.key');
  mkdirSync(join(dir, 'data'));
  writeFileSync(legacy, key + '\n', { mode: 0o600 });
  const env = { XDG_CONFIG_HOME: join(dir, 'config') };
  const encryption = loadConfig(env, dir).encryption;
  expect(encryption.key).toEqual(Buffer.from(key, 'base64'));
  expect(encryption.generatedKeyPath).toBe(legacy);
  expect(encryption.moveGeneratedKeyTo!.startsWith(join(dir, 'config', 'totp-gateway') + sep)).toBe(true);
  expect(existsSync(encryption.moveGeneratedKeyTo!)).toBe(false);
});

it('does not serve /metrics in production unless METRICS_AUTH or METRICS_PORT protects it', () => {
  const production = { NODE_ENV: 'production', GATEWAY_ENCRYPTION_KEY: key };
  expect(loadConfig(production, dir).metrics).toEqual({ auth: null, port: 0, served: false });
  expect(loadConfig({ ...production, METRICS_AUTH: 'prom:pw' }, dir).metrics).toEqual({ auth: { username: 'prom', password: 'pw' }, port: 0, served: true });
  expect(loadConfig({ ...production, METRICS_PORT: '9464' }, dir).metrics).toEqual({ auth: null, port: 9464, served: true });
  // Development and test keep /metrics on the main port.
  expect(loadConfig({ GATEWAY_ENCRYPTION_KEY: key }, dir).metrics).toEqual({ auth: null, port: 0, served: true });
});

it('leaves PUBLIC_URL null when unset and trims its trailing slashes when set', () => {
  expect(loadConfig({ GATEWAY_ENCRYPTION_KEY: key, PORT: '5000' }, dir).publicUrl).toBeNull();
  expect(loadConfig({ GATEWAY_ENCRYPTION_KEY: key, PUBLIC_URL: 'https://2fa.example.com/v1/' }, dir).publicUrl).toBe('https://2fa.example.com/v1');
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
  ['RATE_LIMIT_SESSION_REQUESTS_PER_MINUTE', '-1'],
  ['RATE_LIMIT_IP_REQUESTS_PER_MINUTE', 'many'],
  ['TRUSTED_PROXIES', '*'],
  ['TRUSTED_PROXIES', '10.0.0.0/33'],
  ['TRUSTED_PROXIES', 'proxy.example.com'],
  ['TRUSTED_PROXIES', '10.0.0.1/8/1'],
])('refuses %s=%s with a ConfigError naming it', (name, value) => {
  expect(() => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, [name]: value }, dir)).toThrow(new RegExp(name));
});

it('reads the lockout escalation settings and refuses a cap below the base duration or a hard limit below the threshold', () => {
  const config = loadConfig({ GATEWAY_ENCRYPTION_KEY: key, LOCKOUT_MAX_ATTEMPTS: '5', LOCKOUT_DURATION_SECONDS: '600', LOCKOUT_MAX_DURATION_SECONDS: '86400', LOCKOUT_HARD_LIMIT: '40' }, dir);
  expect(config.lockout).toEqual({ maxAttempts: 5, durationSeconds: 600, maxDurationSeconds: 86400, hardLimit: 40 });
  expect(loadConfig({ GATEWAY_ENCRYPTION_KEY: key, LOCKOUT_MAX_ATTEMPTS: '100' }, dir).lockout.hardLimit).toBe(100);
  for (const [bad, name] of [
    [{ LOCKOUT_MAX_DURATION_SECONDS: '299' }, 'LOCKOUT_MAX_DURATION_SECONDS'],
    [{ LOCKOUT_MAX_DURATION_SECONDS: '31536001' }, 'LOCKOUT_MAX_DURATION_SECONDS'],
    [{ LOCKOUT_DURATION_SECONDS: '7200', LOCKOUT_MAX_DURATION_SECONDS: '3600' }, 'LOCKOUT_MAX_DURATION_SECONDS'],
    [{ LOCKOUT_HARD_LIMIT: '9' }, 'LOCKOUT_HARD_LIMIT'],
    [{ LOCKOUT_HARD_LIMIT: '101' }, 'LOCKOUT_HARD_LIMIT'],
    [{ LOCKOUT_MAX_ATTEMPTS: '20', LOCKOUT_HARD_LIMIT: '15' }, 'LOCKOUT_HARD_LIMIT'],
  ] as const) {
    expect(() => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, ...bad }, dir)).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, ...bad }, dir)).toThrow(new RegExp(name));
  }
});

it('reads the metrics and shutdown options, and refuses bad ones with one line', () => {
  const defaults = loadConfig({ GATEWAY_ENCRYPTION_KEY: key }, dir);
  expect(defaults.metrics).toEqual({ auth: null, port: 0, served: true });
  expect(defaults.shutdownTimeoutSeconds).toBe(10);
  const config = loadConfig({ GATEWAY_ENCRYPTION_KEY: key, METRICS_AUTH: 'prom:pa:ss', METRICS_PORT: '9464', SHUTDOWN_TIMEOUT_SECONDS: '30' }, dir);
  expect(config.metrics).toEqual({ auth: { username: 'prom', password: 'pa:ss' }, port: 9464, served: true });
  expect(config.shutdownTimeoutSeconds).toBe(30);
  expect(Object.isFrozen(config.metrics.auth)).toBe(true);
  for (const bad of [{ METRICS_AUTH: 'nocolon' }, { METRICS_AUTH: ':pw' }, { METRICS_AUTH: 'user:' }, { METRICS_PORT: '70000' }, { METRICS_PORT: '4000' }, { SHUTDOWN_TIMEOUT_SECONDS: '0' }, { SHUTDOWN_TIMEOUT_SECONDS: 'soon' }]) {
    expect(() => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, ...bad }, dir)).toThrow(ConfigError);
  }
});
