// `npm start`: load the configuration, apply migrations, seed the Default project on an empty
// database, serve, and shut down cleanly on SIGTERM/SIGINT.
import 'reflect-metadata';
import { loadConfig, ConfigError, type Config } from './config';
import { createGateway, type Gateway } from './server';

export async function serve(config: Config, options: { handleSignals?: boolean } = {}): Promise<Gateway> {
  const keyWarning = developmentKeyWarning(config);
  if (keyWarning) process.stderr.write(`warning: ${keyWarning}\n`);
  const gateway = await createGateway(config);
  if (config.publicUrl === null && config.env !== 'development') gateway.app.log.warn(PUBLIC_URL_UNSET);
  if (!config.metrics.served) gateway.app.log.warn(METRICS_NOT_SERVED);
  // Production: stdout is the log stream, so no secret is ever printed there; the CLI creates projects.
  const created = config.env === 'production' ? null : await gateway.services.projects.ensureDefault();
  const url = await gateway.listen();
  if (created) {
    // Printed once, to the terminal only (never to the log): the only copy of this secret.
    process.stdout.write(
      `\nCreated project "Default" (shown once; store the secret now):\n` +
        `  project id: ${created.projectId}\n  secret:     ${created.secret}\n` +
        `  public token (for browsers, not a secret; README "From a frontend"): ${created.publicToken}\n` +
        `  try: ${tryCommand(url, created.projectId, created.secret)}\n\n`,
    );
  }
  if (config.env === 'production' && (await gateway.services.projects.list()).length === 0) gateway.app.log.warn(NO_PROJECT_YET);
  process.stdout.write(`totp-gateway listening on ${url}/graphql (${config.env}, ${config.database.kind})\n`);
  if (config.env === 'production') process.stdout.write(`${productionLine(config)}\n`);
  if (options.handleSignals === false) return gateway;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal, timeoutSeconds: config.shutdownTimeoutSeconds }, 'shutting down');
    // close() stops accepting connections, lets in-flight requests finish, then closes the database.
    // Past the bound, open connections are cut and the exit code says the shutdown was not clean.
    const timer = setTimeout(() => {
      gateway.app.log.error({ signal, timeoutSeconds: config.shutdownTimeoutSeconds }, 'shutdown timed out; closing open connections');
      gateway.app.server.closeAllConnections();
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    drainThenClose(gateway).then(
      () => {
        clearTimeout(timer);
        process.exit(0);
      },
      (error: unknown) => {
        gateway.app.log.error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return gateway;
}

/**
 * Node's server.close() resets every connection with no request in progress, including ones whose
 * request is already sent but not yet read (the event loop was busy with another request). A few
 * turns of the loop first accept and read those, so close() then waits for them as in-flight.
 */
async function drainThenClose(gateway: Gateway): Promise<void> {
  for (let turn = 0; turn < DRAIN_TURNS; turn++) await new Promise((resolve) => setImmediate(resolve));
  await gateway.close();
}
const DRAIN_TURNS = 3;

/**
 * The start banner's `try:` line: a command that runs as printed in a POSIX shell (the ids and
 * secrets are base64url, nothing to quote) and answers `{"data":{"__typename":"Query"}}`.
 */
export function tryCommand(url: string, projectId: string, secret: string): string {
  return `curl -s -u ${projectId}:${secret} -H 'content-type: application/json' ${url}/graphql --data '{"query":"{ __typename }"}'`;
}

/** Logged once at start-up in production when /metrics is neither protected nor on its own port. */
export const METRICS_NOT_SERVED =
  '/metrics is not served: with NODE_ENV=production set METRICS_AUTH=user:password, or METRICS_PORT to serve it on 127.0.0.1 only';

/** Logged once at start-up outside development when PUBLIC_URL is unset (the JWT issuer then defaults). */
export const PUBLIC_URL_UNSET =
  'PUBLIC_URL is not set: session JWTs are issued as stytch.com/<project id>, the same on every process of this database ' +
  '(the Stytch SDK accepts it); set PUBLIC_URL to the URL clients use to issue that instead';

/** Logged at a production start on a database with no project (none is created there: its secret would reach the log). */
export const NO_PROJECT_YET = 'no project yet: create one with `totp-gateway project create --name NAME` (prints its secret once, to your terminal)';

/** The stderr line for a generated development key: where it is, and (older layout) where to move it. */
export function developmentKeyWarning(config: Config): string | null {
  const { generatedKeyPath, moveGeneratedKeyTo } = config.encryption;
  if (!generatedKeyPath) return null;
  const advice = 'Back it up: without it no stored secret can be read. Production requires GATEWAY_ENCRYPTION_KEY (README "Moving to production").';
  if (moveGeneratedKeyTo) {
    return (
      `GATEWAY_ENCRYPTION_KEY is not set; using the development key in ${generatedKeyPath}, inside the data folder, so a copy of ` +
      `the folder can be read. Move it to ${moveGeneratedKeyTo} (outside the data). ${advice}`
    );
  }
  return `GATEWAY_ENCRYPTION_KEY is not set; using the development key in ${generatedKeyPath} (kept outside the data folder). ${advice}`;
}

/** The one line production start-up prints: what NODE_ENV=production turned off, and how to turn it back on. */
export function productionLine(config: Config): string {
  const state = (on: boolean) => (on ? 'on' : 'off');
  return (
    `production mode: explorer ${config.graphql.explorer}, introspection ${state(config.graphql.introspection)} ` +
    '(GRAPHQL_EXPLORER/GRAPHQL_INTROSPECTION to enable); GATEWAY_ENCRYPTION_KEY required'
  );
}

if (require.main === module) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`totp-gateway: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  serve(config).catch((error: unknown) => {
    process.stderr.write(`totp-gateway: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
