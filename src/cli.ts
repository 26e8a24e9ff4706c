#!/usr/bin/env node
// The totp-gateway command line. Every command reads the same environment as the server
// (src/config.ts). Output meant for scripts goes to stdout (--json); everything else to stderr.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, type Config } from './config';
import { createDataSource } from '../ormconfig';
import { Database } from './db/database';
import { runMigrations } from './db/migrate';
import { createServices, type Services } from './services';
import { printGatewaySchema } from './graphql/schema';
import { serve } from './main';
import { createKeyring } from './crypto/keyring';
import { Envelope } from './crypto/envelope';
import { KeyRotationService, KEYED_HASH_NOTE } from './keys/key-rotation.service';
import { verifyEncryptionKeys } from './crypto/key-check.service';
import { systemClock } from './common/clock';

export const USAGE = `Usage: totp-gateway <command> [options]

Commands:
  serve                                          apply migrations and serve GraphQL (same as npm start)
  migrate                                        apply pending database migrations and exit
  project create --name NAME [--json]            create a project; prints its id, public token and first secret once
  project list [--json]                          list projects and the ids of their live secrets
  project secret create --project ID [--json]    add a secret to a project (for rotation)
  project secret revoke --project ID --secret-id ID
                                                 revoke a secret; requests using it fail at once
  project public-token --project ID [--json]     print the project's public token (for browsers; not a secret)
  project origins add --project ID --origin ORIGIN
                                                 allow a browser origin (scheme://host[:port]) to call with the
                                                 public token and a session (CORS, no credentials)
  project origins remove --project ID --origin ORIGIN
  project origins list --project ID [--json]     the origins a project allows
  keys rotate [--json]                           re-encrypt TOTP secrets, signing keys and retrievable recovery
                                                 codes still under a previous key to GATEWAY_ENCRYPTION_KEY
                                                 (keyed hashes are one-way and cannot be re-keyed: keep the old
                                                 key in GATEWAY_ENCRYPTION_KEYS_PREVIOUS while they are in use)
  schema                                         print the GraphQL SDL (schema/schema.graphql)

Every command reads the server's environment (DATABASE_URL, GATEWAY_ENCRYPTION_KEY, ...).`;

class UsageError extends Error {}

async function withServices<T>(config: Config, fn: (services: Services) => Promise<T>): Promise<T> {
  const dataSource = createDataSource(config.database);
  await dataSource.initialize();
  const db = new Database(dataSource, config.database);
  try {
    await runMigrations(dataSource);
    await verifyEncryptionKeys(db, createKeyring(config.encryption.key, config.encryption.previousKeys), systemClock.now());
    return await fn(createServices(config, db));
  } finally {
    await db.close();
  }
}

function print(json: boolean, value: Record<string, unknown>, human: string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : human + '\n');
}

export async function runCli(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      project: { type: 'string' },
      'secret-id': { type: 'string' },
      origin: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals.join(' ');
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const json = values.json ?? false;
  const required = (name: 'name' | 'project' | 'secret-id' | 'origin') => {
    const value = values[name];
    if (!value) throw new UsageError(`"${command}" needs --${name}.`);
    return value;
  };

  switch (command) {
    case 'schema':
      process.stdout.write(printGatewaySchema());
      return;
    case 'serve':
      await serve(loadConfig());
      return;
    case 'migrate': {
      const config = loadConfig();
      const dataSource = createDataSource(config.database);
      await dataSource.initialize();
      try {
        const applied = await runMigrations(dataSource);
        print(json, { applied }, applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
      } finally {
        await dataSource.destroy();
      }
      return;
    }
    case 'project create': {
      const name = required('name');
      const created = await withServices(loadConfig(), (s) => s.projects.create(name));
      print(
        json,
        { ...created },
        `project ${created.projectId}\npublic token ${created.publicToken}\nsecret id ${created.secretId}\nsecret ${created.secret}\n(the secret is shown only now)`,
      );
      return;
    }
    case 'project public-token': {
      const projectId = required('project');
      const publicToken = await withServices(loadConfig(), (s) => s.projects.publicToken(projectId));
      print(json, { projectId, publicToken }, publicToken);
      return;
    }
    case 'project origins add':
    case 'project origins remove': {
      const projectId = required('project');
      const origin = required('origin');
      const adding = command.endsWith('add');
      const done = await withServices(loadConfig(), (s) => (adding ? s.projects.addOrigin(projectId, origin) : s.projects.removeOrigin(projectId, origin)));
      print(json, { projectId, origin: done, allowed: adding }, `${adding ? 'allowed' : 'removed'} ${done}`);
      return;
    }
    case 'project origins list': {
      const projectId = required('project');
      const origins = await withServices(loadConfig(), (s) => s.projects.listOrigins(projectId));
      print(json, { projectId, origins }, origins.join('\n') || 'no origins');
      return;
    }
    case 'project list': {
      const projects = await withServices(loadConfig(), (s) => s.projects.list());
      const rows = projects.map((p) => ({ projectId: p.projectId, name: p.name, secretIds: p.secrets.map((x) => x.secretId) }));
      print(json, { projects: rows }, rows.map((r) => `${r.projectId}  ${r.name}  secrets: ${r.secretIds.join(', ') || '-'}`).join('\n') || 'no projects');
      return;
    }
    case 'project secret create': {
      const projectId = required('project');
      const created = await withServices(loadConfig(), (s) => s.projects.createSecret(projectId));
      print(json, { ...created }, `secret id ${created.secretId}\nsecret ${created.secret}\n(the secret is shown only now)`);
      return;
    }
    case 'project secret revoke': {
      const projectId = required('project');
      const secretId = required('secret-id');
      await withServices(loadConfig(), (s) => s.projects.revokeSecret(projectId, secretId));
      print(json, { revoked: secretId }, `revoked ${secretId}`);
      return;
    }
    case 'keys rotate': {
      // Envelopes only: keyed hashes cannot be re-keyed (see KEYED_HASH_NOTE and key-rotation.service.ts).
      const config = loadConfig();
      const dataSource = createDataSource(config.database);
      await dataSource.initialize();
      const db = new Database(dataSource, config.database);
      try {
        await runMigrations(dataSource);
        const keyring = createKeyring(config.encryption.key, config.encryption.previousKeys);
        await verifyEncryptionKeys(db, keyring, systemClock.now());
        const counts = await new KeyRotationService(db, new Envelope(keyring)).rotate();
        const human =
          `re-encrypted under key ${keyring.primary.id}: ${counts.totps} TOTP secrets, ${counts.signingKeys} signing keys, ` +
          `${counts.recoveryCodes} retrievable recovery codes\n${KEYED_HASH_NOTE}`;
        print(json, { ...counts }, human);
        if (json) process.stderr.write(KEYED_HASH_NOTE + '\n');
      } finally {
        await db.close();
      }
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}".`);
  }
}

/** Runs the CLI and turns any failure into one line on stderr and an exit code (2: usage, 1: other). */
export function cliMain(argv: string[]): Promise<void> {
  return runCli(argv).catch((error: unknown) => {
    const usage = error instanceof UsageError || Boolean((error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS'));
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`totp-gateway: ${message}${usage ? '\n\n' + USAGE : ''}\n`);
    process.exitCode = usage ? 2 : 1;
  });
}

if (require.main === module) void cliMain(process.argv.slice(2));
