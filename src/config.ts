// The only reader of process.env: parse, validate, freeze. Every other module receives a Config.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

export type DatabaseConfig =
  | {
      readonly kind: 'sqlite';
      readonly path: string;
      /** WAL checkpoints in a worker thread instead of inside a request's COMMIT (src/db/checkpointer.ts). */
      readonly backgroundCheckpoint: boolean;
      /** How long a unit of work waits (asynchronously) for another process's write lock before DATABASE_BUSY. */
      readonly busyTimeoutMs: number;
    }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly poolSize: number;
      readonly statementTimeoutMs: number;
      /** Client-side bound on every query: past it the connection is closed and the request answers DATABASE_UNAVAILABLE. */
      readonly queryTimeoutMs: number;
      /** Bound on opening a connection, and on waiting for a free one from the pool. */
      readonly connectTimeoutMs: number;
    };

export type JwtAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/**
 * The GraphQL IDE on `GET /graphql`: `sandbox` is Apollo Sandbox (loaded from Apollo's servers),
 * `graphiql` is GraphiQL served from the gateway's own files (works offline), `off` is none.
 */
type GraphqlExplorer = 'sandbox' | 'graphiql' | 'off';

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  /**
   * PUBLIC_URL without a trailing slash, or null when unset: session JWTs are then issued as
   * `stytch.com/<projectId>` (src/sessions/jwt-issuer.ts), which every process on the database shares.
   */
  readonly publicUrl: string | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly database: DatabaseConfig;
  readonly encryption: {
    /** Primary key (32 bytes) that encrypts new rows and keys new hashes. */
    readonly key: Buffer;
    /** Older keys still accepted for decryption and hash look-ups during a rotation. */
    readonly previousKeys: readonly Buffer[];
    /**
     * Set when GATEWAY_ENCRYPTION_KEY is unset (development only): the per-user file holding the
     * generated key, kept apart from the data so a copied data folder alone cannot be read.
     */
    readonly generatedKeyPath?: string;
    /**
     * Set when that file is the older layout's `encryption.key` inside the data folder (still used, so
     * existing installs stay readable): the per-user path it should be moved to.
     */
    readonly moveGeneratedKeyTo?: string;
  };
  /** Per-user lockout (src/users/lockout.policy.ts explains the arithmetic). */
  readonly lockout: {
    readonly maxAttempts: number;
    readonly durationSeconds: number;
    /** Cap on any one timed lock; each further lock in a run of failures doubles up to it. */
    readonly maxDurationSeconds: number;
    /** Consecutive failures that lock until an administrator's unlock. */
    readonly hardLimit: number;
  };
  readonly recoveryCodes: { readonly retrievable: boolean };
  readonly sessions: {
    readonly jwtAlgorithm: JwtAlgorithm;
    readonly jwtLifetimeSeconds: number;
    readonly signingKeyRotationDays: number;
  };
  readonly http: {
    readonly bodyLimitBytes: number;
    readonly maxBatchOperations: number;
    readonly requestTimeoutSeconds: number;
    /** Proxies (IPs, CIDRs or `loopback`/`linklocal`/`uniquelocal`) whose X-Forwarded-For names the client; empty: none. */
    readonly trustedProxies: readonly string[];
  };
  readonly graphql: {
    /** What a browser opening `GET /graphql` gets (parseExplorer says how it is chosen). */
    readonly explorer: GraphqlExplorer;
    readonly introspection: boolean;
  };
  /** The operator's console at /console (src/console/): its built files served by the gateway. */
  readonly console: { readonly enabled: boolean };
  /** Per-operation limits (src/graphql/limits.ts); an operation over any of them is refused unexecuted. */
  readonly operationLimits: {
    readonly maxAliases: number;
    readonly maxDepth: number;
    readonly maxTokens: number;
    readonly maxDirectives: number;
    /** graphql-armor cost points: 2 per object field, 1 per scalar, x1.5 per nesting level. */
    readonly maxCost: number;
    readonly maxRootFields: number;
  };
  /** Requests (GraphQL operations) per project per fixed one-minute window; 0 turns the limit off. */
  readonly rateLimit: RateLimitConfig;
  readonly metrics: {
    /** Basic-auth credentials `GET /metrics` requires (METRICS_AUTH=user:password); null: open. */
    readonly auth: { readonly username: string; readonly password: string } | null;
    /** Serve /metrics only on this port, bound to 127.0.0.1 (METRICS_PORT); 0: on the main port. */
    readonly port: number;
    /**
     * Whether /metrics is served at all. In production it needs METRICS_AUTH or METRICS_PORT: without
     * either it is not served (404), rather than left open on the public port (OWASP API8:2023).
     */
    readonly served: boolean;
  };
  /** Bound on finishing in-flight requests after SIGTERM/SIGINT before connections are cut (exit 1). */
  readonly shutdownTimeoutSeconds: number;
  /** OpenTelemetry tracing (src/tracing/tracing.ts) from the standard OTEL_* variables; null: off. */
  readonly tracing: TracingConfig | null;
  readonly webhooks: WebhookConfig;
}

/** OpenTelemetry's head samplers (OTEL_TRACES_SAMPLER), as the SDK environment specification names them. */
type TraceSamplerName = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

/**
 * Where and how spans are exported: the OpenTelemetry SDK environment variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/) and the OTLP
 * exporter's (https://opentelemetry.io/docs/specs/otel/protocol/exporter/), parsed here and handed to
 * the SDK explicitly, so nothing else reads them.
 */
export interface TracingConfig {
  /** `service.name` of every span's resource. */
  readonly serviceName: string;
  /** Further resource attributes (OTEL_RESOURCE_ATTRIBUTES, percent-decoded). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** The full URL spans are POSTed to (…/v1/traces). */
  readonly endpoint: string;
  /** OTLP over HTTP with protobuf (the specification's default) or JSON bodies; gRPC is not offered. */
  readonly protocol: 'http/protobuf' | 'http/json';
  /** Headers sent with every export (e.g. a collector's API key). */
  readonly headers: Readonly<Record<string, string>>;
  /** Bound on one export request. */
  readonly exportTimeoutMs: number;
  readonly sampler: TraceSamplerName;
  /** The ratio of the traceidratio samplers, 0..1 (OTEL_TRACES_SAMPLER_ARG). */
  readonly samplerRatio: number;
  /** BatchSpanProcessor settings (OTEL_BSP_*): spans are exported at least this often, in batches. */
  readonly batch: {
    readonly scheduledDelayMs: number;
    readonly maxQueueSize: number;
    readonly maxExportBatchSize: number;
  };
}

/**
 * Per-minute budgets in root fields executed (0: no limit). A project's backend (project secret) has
 * one budget per project; each session caller one per session, and all session callers from one
 * client IP one per project and IP.
 */
/** Webhook delivery (src/webhooks/): the worker's pace, the retry policy and the receivers allowed. */
export interface WebhookConfig {
  /** Whether this process runs the delivery worker (several may: they share the work through leases). */
  readonly worker: boolean;
  /** How often an idle worker looks for due deliveries. */
  readonly pollIntervalMs: number;
  /** Attempts a worker has in flight at most (a slot freed is claimed again at once). */
  readonly batchSize: number;
  /** How long a claimed delivery is reserved for its worker; a killed worker's deliveries are retried after it. */
  readonly leaseMs: number;
  /** Bound on one attempt: connecting, sending, the answer's headers and the bounded read of its body. */
  readonly timeoutMs: number;
  /** The first retry's delay; each further one doubles it (with jitter), up to retryMaxDelayMs. */
  readonly retryBaseMs: number;
  readonly retryMaxDelayMs: number;
  /** How long after its event a delivery is retried before it is marked failed. */
  readonly retryWindowMs: number;
  /** Whether receivers may resolve to private, loopback, link-local and other non-public addresses. */
  readonly allowPrivateAddresses: boolean;
  /** How long a rotated-out signing secret still signs (beside the new one). */
  readonly secretOverlapMs: number;
  /** How long delivered and failed deliveries are kept (for listing and replay) before they are deleted. */
  readonly retentionMs: number;
}

export interface RateLimitConfig {
  readonly requestsPerMinute: number;
  readonly sessionRequestsPerMinute: number;
  readonly ipRequestsPerMinute: number;
}

/** Raised for configuration the gateway refuses to start with; the CLI prints its message as one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
const EXPLORERS = ['sandbox', 'graphiql', 'off'] as const;
const ENCRYPTION_KEY_BYTES = 32;
const MINUTE_SECONDS = 60;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number between ${min} and ${max}, got "${raw}".`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be "true" or "false", got "${raw}".`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}".`);
  }
  return raw as T;
}

function parseKey(name: string, raw: string): Buffer {
  const key = Buffer.from(raw.trim(), 'base64');
  if (key.length !== ENCRYPTION_KEY_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be ${ENCRYPTION_KEY_BYTES} random bytes in base64 (try: openssl rand -base64 32).`);
  }
  return key;
}

const DAY_SECONDS = 24 * 60 * MINUTE_SECONDS;

/**
 * NIST SP 800-63B §5.2.2 allows at most 100 consecutive failed attempts; 10 is Stytch's threshold.
 * The cap must admit the first lock, and the hard limit cannot come before the first lock.
 */
function parseLockout(env: Env): Config['lockout'] {
  const maxAttempts = int(env, 'LOCKOUT_MAX_ATTEMPTS', 10, 1, 100);
  const durationSeconds = int(env, 'LOCKOUT_DURATION_SECONDS', 60 * MINUTE_SECONDS, 5 * MINUTE_SECONDS, 7 * DAY_SECONDS);
  const maxDurationSeconds = int(env, 'LOCKOUT_MAX_DURATION_SECONDS', 7 * DAY_SECONDS, 5 * MINUTE_SECONDS, 365 * DAY_SECONDS);
  const hardLimit = int(env, 'LOCKOUT_HARD_LIMIT', 100, 10, 100);
  if (maxDurationSeconds < durationSeconds) {
    throw new ConfigError(`LOCKOUT_MAX_DURATION_SECONDS (${maxDurationSeconds}) must be at least LOCKOUT_DURATION_SECONDS (${durationSeconds}).`);
  }
  if (hardLimit < maxAttempts) {
    throw new ConfigError(`LOCKOUT_HARD_LIMIT (${hardLimit}) must be at least LOCKOUT_MAX_ATTEMPTS (${maxAttempts}).`);
  }
  return { maxAttempts, durationSeconds, maxDurationSeconds, hardLimit };
}

/** proxy-addr's named ranges (Fastify's `trustProxy`): 127.0.0.0/8 and ::1, link-local, unique-local. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUSTED_PROXIES: comma-separated IPs, CIDRs (`10.0.0.0/8`) or proxy-addr's range names. */
function parseTrustedProxies(env: Env): string[] {
  const entries = (env.TRUSTED_PROXIES ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const version = isIP(address);
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (!PROXY_RANGE_NAMES.includes(entry) && (!version || !validPrefix || rest.length)) {
      throw new ConfigError(`TRUSTED_PROXIES must list IP addresses, CIDR ranges or ${PROXY_RANGE_NAMES.join('/')}, got "${entry}".`);
    }
  }
  return entries;
}

const SECOND_MS = 1000;

function parseWebhooks(env: Env, production: boolean): WebhookConfig {
  const timeoutMs = int(env, 'WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000);
  const leaseMs = int(env, 'WEBHOOK_LEASE_MS', 30_000, 1000, 3_600_000);
  // A lease shorter than an attempt would let a second worker send while the first still waits.
  if (leaseMs <= timeoutMs) throw new ConfigError(`WEBHOOK_LEASE_MS (${leaseMs}) must be longer than WEBHOOK_TIMEOUT_MS (${timeoutMs}).`);
  return {
    worker: bool(env, 'WEBHOOK_WORKER', true),
    pollIntervalMs: int(env, 'WEBHOOK_POLL_INTERVAL_MS', 1000, 10, 60_000),
    batchSize: int(env, 'WEBHOOK_BATCH_SIZE', 20, 1, 1000),
    leaseMs,
    timeoutMs,
    retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 5000, 1, 3_600_000),
    retryMaxDelayMs: int(env, 'WEBHOOK_RETRY_MAX_DELAY_SECONDS', 6 * 60 * MINUTE_SECONDS, 1, 7 * DAY_SECONDS) * SECOND_MS,
    retryWindowMs: int(env, 'WEBHOOK_RETRY_WINDOW_SECONDS', 3 * DAY_SECONDS, 1, 30 * DAY_SECONDS) * SECOND_MS,
    // SSRF (OWASP SSRF Prevention Cheat Sheet): in production receivers must be public unless allowed.
    allowPrivateAddresses: bool(env, 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES', !production),
    secretOverlapMs: int(env, 'WEBHOOK_SECRET_OVERLAP_SECONDS', DAY_SECONDS, 0, 30 * DAY_SECONDS) * SECOND_MS,
    retentionMs: int(env, 'WEBHOOK_RETENTION_DAYS', 30, 1, 3650) * DAY_SECONDS * SECOND_MS,
  };
}

function parseRateLimit(env: Env): RateLimitConfig {
  const requestsPerMinute = int(env, 'RATE_LIMIT_REQUESTS_PER_MINUTE', 0, 0, 1_000_000);
  return {
    requestsPerMinute,
    // Each session gets as much as the whole backend by default: one browser is one user.
    sessionRequestsPerMinute: int(env, 'RATE_LIMIT_SESSION_REQUESTS_PER_MINUTE', requestsPerMinute, 0, 1_000_000),
    // Off by default: many users may share one address (NAT, a corporate proxy).
    ipRequestsPerMinute: int(env, 'RATE_LIMIT_IP_REQUESTS_PER_MINUTE', 0, 0, 1_000_000),
  };
}

/**
 * GRAPHQL_EXPLORER names the IDE. Unset, the older GRAPHQL_SANDBOX decides as it always did where it
 * is on (Sandbox), and where it is off: no IDE in production (its default there), the offline GraphiQL
 * elsewhere (Sandbox needs Apollo's servers, which an air-gapped host cannot reach). When both are
 * set they must agree: GRAPHQL_SANDBOX=true only with `sandbox`, `false` only without it.
 */
function parseExplorer(env: Env, production: boolean): GraphqlExplorer {
  const sandbox = bool(env, 'GRAPHQL_SANDBOX', !production);
  const explorer = oneOf(env, 'GRAPHQL_EXPLORER', EXPLORERS, sandbox ? 'sandbox' : production ? 'off' : 'graphiql');
  const sandboxSet = env.GRAPHQL_SANDBOX !== undefined && env.GRAPHQL_SANDBOX !== '';
  if (sandboxSet && sandbox !== (explorer === 'sandbox')) {
    throw new ConfigError(`GRAPHQL_SANDBOX=${env.GRAPHQL_SANDBOX} contradicts GRAPHQL_EXPLORER=${explorer}: set only GRAPHQL_EXPLORER (sandbox, graphiql or off).`);
  }
  return explorer;
}

function parseMetricsAuth(env: Env): Config['metrics']['auth'] {
  const raw = env.METRICS_AUTH;
  if (raw === undefined || raw === '') return null;
  const colon = raw.indexOf(':');
  if (colon < 1 || colon === raw.length - 1) throw new ConfigError('METRICS_AUTH must be user:password (both non-empty).');
  return { username: raw.slice(0, colon), password: raw.slice(colon + 1) };
}

function parseDatabase(env: Env, cwd: string): DatabaseConfig {
  const url = env.DATABASE_URL || 'sqlite:./data/gateway.sqlite';
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new ConfigError('DATABASE_URL must name a file after "sqlite:", e.g. sqlite:./data/gateway.sqlite.');
    return {
      kind: 'sqlite',
      path: isAbsolute(path) ? path : resolve(cwd, path),
      backgroundCheckpoint: bool(env, 'SQLITE_BACKGROUND_CHECKPOINT', true),
      busyTimeoutMs: int(env, 'DATABASE_BUSY_TIMEOUT_MS', 5000, 0, 600_000),
    };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL.');
    }
    return {
      kind: 'postgres',
      url,
      poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs: int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000, 0, 600_000),
      // Above the statement timeout, so a slow statement is cancelled by the server (keeping its
      // connection) before the client gives up on the connection.
      queryTimeoutMs: int(env, 'DATABASE_QUERY_TIMEOUT_MS', 10_000, 1, 600_000),
      connectTimeoutMs: int(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 1, 600_000),
    };
  }
  throw new ConfigError('DATABASE_URL must start with sqlite: or postgres://.');
}

/**
 * Where a generated development key lives: the per-user configuration directory (XDG Base Directory
 * spec: $XDG_CONFIG_HOME, else ~/.config), one file per database (a hash of its absolute path, or of
 * its PostgreSQL URL without the password), so two data folders never share a key and a copy of a
 * data folder carries no key with it.
 */
function developmentKeyPath(env: Env, database: DatabaseConfig): string {
  const configHome = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  let location: string;
  if (database.kind === 'sqlite') {
    location = `sqlite:${database.path}`;
  } else {
    const url = new URL(database.url);
    url.password = '';
    location = url.toString();
  }
  const name = createHash('sha256').update(location).digest('hex').slice(0, DEVELOPMENT_KEY_NAME_HEX);
  return join(configHome, 'totp-gateway', 'keys', `${name}.key`);
}
const DEVELOPMENT_KEY_NAME_HEX = 16;

/**
 * In development a missing key is generated once into the per-user config directory so `npm start`
 * just works; production refuses to start without one (a lost generated key makes every stored
 * secret unreadable). An `encryption.key` already in the data folder (the older layout) keeps being
 * used, so existing installs stay readable; the start-up warning says to move it.
 */
function parseEncryption(env: Env, mode: Config['env'], database: DatabaseConfig, cwd: string): Config['encryption'] {
  const previousKeys = (env.GATEWAY_ENCRYPTION_KEYS_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((k) => parseKey('GATEWAY_ENCRYPTION_KEYS_PREVIOUS', k));
  if (env.GATEWAY_ENCRYPTION_KEY) {
    return { key: parseKey('GATEWAY_ENCRYPTION_KEY', env.GATEWAY_ENCRYPTION_KEY), previousKeys };
  }
  if (mode === 'production') {
    throw new ConfigError('GATEWAY_ENCRYPTION_KEY is required when NODE_ENV=production (32 bytes, base64: openssl rand -base64 32).');
  }
  const path = developmentKeyPath(env, database);
  const legacy = resolve(database.kind === 'sqlite' ? dirname(database.path) : resolve(cwd, 'data'), 'encryption.key');
  if (!existsSync(path) && existsSync(legacy)) {
    return { key: parseKey(legacy, readFileSync(legacy, 'utf8')), previousKeys, generatedKeyPath: legacy, moveGeneratedKeyTo: path };
  }
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, randomBytes(ENCRYPTION_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process on the same database wrote it first: use that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return { key: parseKey(path, readFileSync(path, 'utf8')), previousKeys, generatedKeyPath: path };
}

/**
 * /metrics tells anyone who can reach it how many users authenticate and fail: in production it is
 * served only when protected (METRICS_AUTH) or kept off the public port (METRICS_PORT, loopback only).
 */
function parseMetrics(env: Env, mode: Config['env']): Config['metrics'] {
  const auth = parseMetricsAuth(env);
  const port = int(env, 'METRICS_PORT', 0, 0, 65535);
  return { auth, port, served: mode !== 'production' || auth !== null || port !== 0 };
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const mode = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const host = env.HOST || '127.0.0.1';
  const port = int(env, 'PORT', 4000, 0, 65535);
  const database = parseDatabase(env, cwd);
  const publicUrl = env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/+$/, '') : null;
  if (publicUrl !== null) {
    try {
      new URL(publicUrl);
    } catch {
      throw new ConfigError(`PUBLIC_URL must be an absolute URL, got "${publicUrl}".`);
    }
  }
  const production = mode === 'production';
  const config: Config = {
    env: mode,
    host,
    port,
    publicUrl,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    database,
    encryption: parseEncryption(env, mode, database, cwd),
    lockout: parseLockout(env),
    recoveryCodes: { retrievable: bool(env, 'RECOVERY_CODES_RETRIEVABLE', false) },
    sessions: {
      jwtAlgorithm: oneOf(env, 'SESSION_JWT_ALGORITHM', JWT_ALGORITHMS, 'RS256'),
      jwtLifetimeSeconds: 5 * MINUTE_SECONDS,
      signingKeyRotationDays: int(env, 'SESSION_SIGNING_KEY_ROTATION_DAYS', 30, 1, 3650),
    },
    http: {
      bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      maxBatchOperations: int(env, 'GRAPHQL_MAX_BATCH_OPERATIONS', 10, 1, 1000),
      // Slow-request (slowloris) bound: a request whose headers and body have not all arrived by then
      // gets 408 and its connection is closed. Fastify's default is no limit at all.
      requestTimeoutSeconds: int(env, 'HTTP_REQUEST_TIMEOUT_SECONDS', 30, 1, 600),
      trustedProxies: parseTrustedProxies(env),
    },
    graphql: {
      explorer: parseExplorer(env, production),
      introspection: bool(env, 'GRAPHQL_INTROSPECTION', !production),
    },
    // Off in production unless asked for: the console is only a page (every call it makes needs a
    // project secret), but a production deployment opts into serving anything beyond the API.
    console: { enabled: bool(env, 'CONSOLE_ENABLED', !production) },
    // Generous for legitimate use: the schema's deepest path is 4 and the client's costliest operation
    // (AuthenticateTotp with every field) is 124 points; lockout, not these limits, bounds guessing (50 aliased guesses still
    // buy only 10 verified ones, so the existing 50-alias lockout test runs at the defaults).
    operationLimits: {
      maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 50, 1, 10_000),
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 10, 1, 1000),
      maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 2000, 10, 1_000_000),
      maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 1, 10_000),
      maxCost: int(env, 'GRAPHQL_MAX_COST', 5000, 1, 10_000_000),
      maxRootFields: int(env, 'GRAPHQL_MAX_ROOT_FIELDS', 50, 1, 10_000),
    },
    // Off by default: a gateway's own backend is a trusted, high-volume caller; lockout is always on.
    rateLimit: parseRateLimit(env),
    metrics: parseMetrics(env, mode),
    shutdownTimeoutSeconds: int(env, 'SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 3600),
    tracing: parseTracing(env),
    webhooks: parseWebhooks(env, production),
  };
  if (config.metrics.port !== 0 && config.metrics.port === port) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}); 0 serves /metrics on the main port.`);
  }
  return deepFreeze(config);
}

const TRACE_SAMPLERS: readonly TraceSamplerName[] = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];
/** The OTLP/HTTP default endpoint of the specification (a collector on this host). */
const OTLP_DEFAULT_ENDPOINT = 'http://localhost:4318';
const OTLP_TRACES_PATH = '/v1/traces';

/**
 * Tracing is off unless asked for: OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint set while
 * OTEL_TRACES_EXPORTER is unset. OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none always win.
 * (The specification's default exporter is otlp; a gateway that posts to localhost:4318 nobody listens
 * on would only log failures, so here no endpoint and no exporter means no tracing.)
 */
function parseTracing(env: Env): TracingConfig | null {
  if (bool(env, 'OTEL_SDK_DISABLED', false)) return null;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const baseEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (exporter === 'none') return null;
  if (exporter !== undefined && exporter !== '' && exporter !== 'otlp') {
    throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp or none (the gateway exports traces over OTLP only), got "${exporter}".`);
  }
  if (!exporter && !tracesEndpoint && !baseEndpoint) return null;
  const endpoint = tracesEndpoint || `${(baseEndpoint || OTLP_DEFAULT_ENDPOINT).replace(/\/+$/, '')}${OTLP_TRACES_PATH}`;
  if (!/^https?:\/\//.test(endpoint) || !URL.canParse(endpoint)) {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "${endpoint}".`);
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (gRPC is not offered), got "${protocol}".`);
  }
  const resourceAttributes = keyValues(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES');
  const ratio = env.OTEL_TRACES_SAMPLER_ARG === undefined || env.OTEL_TRACES_SAMPLER_ARG === '' ? 1 : Number(env.OTEL_TRACES_SAMPLER_ARG);
  if (!(ratio >= 0 && ratio <= 1)) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1, got "${env.OTEL_TRACES_SAMPLER_ARG}".`);
  return {
    serviceName: env.OTEL_SERVICE_NAME || resourceAttributes['service.name'] || 'totp-gateway',
    resourceAttributes,
    endpoint,
    protocol,
    headers: { ...keyValues(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'), ...keyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    exportTimeoutMs: int(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', int(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, 1, 600_000), 1, 600_000),
    sampler: oneOf(env, 'OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on'),
    samplerRatio: ratio,
    batch: {
      scheduledDelayMs: int(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 1, 600_000),
      maxQueueSize: int(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000),
      maxExportBatchSize: int(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000),
    },
  };
}

/** `key1=value1,key2=value2` with percent-encoded values (W3C Baggage's format, as OTEL_*_HEADERS use it). */
function keyValues(raw: string | undefined, name: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const entry of (raw ?? '').split(',')) {
    if (!entry.trim()) continue;
    const equals = entry.indexOf('=');
    const key = entry.slice(0, equals).trim();
    if (equals < 1 || !key) throw new ConfigError(`${name} must be key=value pairs separated by commas.`);
    try {
      pairs[key] = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      throw new ConfigError(`${name} has a value that is not valid percent-encoding (key "${key}").`);
    }
  }
  return pairs;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
