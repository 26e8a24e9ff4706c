// `npm start`: load the configuration, apply migrations, seed the Default project on an empty
// database, serve, and shut down cleanly on SIGTERM/SIGINT.
import 'reflect-metadata';
import { loadConfig, ConfigError, type Config } from './config';
import { createGateway, type Gateway } from './server';

export async function serve(config: Config, options: { handleSignals?: boolean } = {}): Promise<Gateway> {
  if (config.encryption.generatedKeyPath) {
    process.stderr.write(
      `warning: GATEWAY_ENCRYPTION_KEY is not set; using the development key in ${config.encryption.generatedKeyPath}. ` +
        'Back it up: without it no stored secret can be read. Production requires GATEWAY_ENCRYPTION_KEY.\n',
    );
  }
  const gateway = await createGateway(config);
  const created = await gateway.services.projects.ensureDefault();
  const url = await gateway.listen();
  if (created) {
    // Printed once, to the terminal only (never to the log): the only copy of this secret.
    process.stdout.write(
      `\nCreated project "Default" (shown once; store the secret now):\n` +
        `  project id: ${created.projectId}\n  secret:     ${created.secret}\n` +
        `  try: curl -u ${created.projectId}:SECRET ${url}/graphql ...\n\n`,
    );
  }
  process.stdout.write(`totp-gateway listening on ${url}/graphql (${config.env}, ${config.database.kind})\n`);
  if (options.handleSignals === false) return gateway;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal }, 'shutting down');
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return gateway;
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
