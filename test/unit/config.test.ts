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
  });
  expect(Object.isFrozen(config.lockout)).toBe(true);
});

it('reads PostgreSQL URLs with pool size and statement timeout', () => {
  const config = loadConfig({ GATEWAY_ENCRYPTION_KEY: key, DATABASE_URL: 'postgres://u@db:5432/gw', DATABASE_POOL_SIZE: '20' }, dir);
  expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/gw', poolSize: 20, statementTimeoutMs: 5000 });
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
])('refuses %s=%s with a ConfigError naming it', (name, value) => {
  expect(() => loadConfig({ GATEWAY_ENCRYPTION_KEY: key, [name]: value }, dir)).toThrow(new RegExp(name));
});
