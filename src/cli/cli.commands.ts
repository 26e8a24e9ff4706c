// The CLI's commands, one row each: the words that name it, its lines in the usage text and what it
// runs. Every command that touches the database opens it through withDatabase (with-database.ts).
import { loadConfig } from '../config';
import { createServices, type Services } from '../services';
import { printGatewaySchema } from '../schema';
import { serve } from '../main';
import { Envelope } from '../crypto/envelope';
import { KeyRotationService, KEYED_HASH_NOTE } from '../keys/key-rotation.service';
import { withDatabase } from './with-database';
import type { ProjectSettings, ProjectSettingsChange } from '../projects/project-settings.service';
import { importFile } from './import.command';
import { backupCommand, restoreCommand } from './backup.command';
import { totpCodeAt, TotpOptionError } from './totp-code.command';
import { webhookCommands } from './webhook.commands';

/**
 * A mistake in the command line: cliMain prints it with a hint (the command's own usage, when it is
 * known, else where the full usage is) and exits 2.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage lines of the command it concerns, when known. */
    readonly usage?: string,
  ) {
    super(message);
  }
}

/** The spellings of a yes/no flag's value: `on`/`off` (the documented one) or `true`/`false`. */
const ON_OFF: Readonly<Record<string, boolean>> = { on: true, off: false, true: true, false: false };

/**
 * The one parser of the CLI's yes/no flags (`--enabled`, `--remember-devices`, `--remembered-device-aal2`):
 * `on|off` or `true|false`; undefined when absent; UsageError naming the flag for anything else.
 */
export function onOffFlag(flag: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const value = ON_OFF[raw.toLowerCase()];
  if (value === undefined) throw new UsageError(`--${flag} must be on or off, got "${raw}"`);
  return value;
}

/** The options a command may read: `--json` and the string options (`--name`, `--project`, ...). */
interface CommandArgs {
  readonly json: boolean;
  /** `--force`: replace what exists (backup FILE). */
  readonly force: boolean;
  /** The words after the command's name (as many as `operands` says), e.g. the FILE of `backup FILE`. */
  readonly operands: readonly string[];
  /** The value of a string option; throws UsageError naming it when it is missing or empty. */
  required(name: StringOption): string;
  /** The value of a string option, or undefined when it is absent or empty. */
  optional(name: StringOption | SettingsFlag | 'report' | 'events' | 'enabled' | 'description' | 'status'): string | undefined;
}

/** The flags of `project settings`, each naming one setting (ProjectSettingsChange). */
type SettingsFlag = 'max-totps-per-user' | 'totp-algorithm' | 'totp-digits' | 'totp-period' | 'mfa-policy' | 'remember-devices' | 'remembered-device-aal2';

/**
 * The settings change a command line asks for: integers parsed strictly (digits only; anything else
 * is passed on as given, so the service's refusal quotes it), the algorithm as typed (upper case).
 */
function settingsChange(optional: CommandArgs['optional']): ProjectSettingsChange {
  const integer = (flag: SettingsFlag) => {
    const raw = optional(flag);
    return raw === undefined ? undefined : /^[0-9]{1,3}$/.test(raw) ? Number(raw) : raw;
  };
  const onOff = (flag: SettingsFlag) => onOffFlag(flag, optional(flag));
  return {
    mfaPolicy: optional('mfa-policy')?.toUpperCase(),
    rememberDevices: onOff('remember-devices'),
    rememberedDeviceAal2: onOff('remembered-device-aal2'),
    maxTotpsPerUser: integer('max-totps-per-user'),
    totpAlgorithm: optional('totp-algorithm')?.toUpperCase(),
    totpDigits: integer('totp-digits'),
    totpPeriodSeconds: integer('totp-period'),
  };
}

/** The human lines of `project settings`. */
function settingsLines(s: ProjectSettings): string {
  const d = s.totpDefaults;
  return `project ${s.projectId} (${s.name})
max TOTPs per user ${s.maxTotpsPerUser}
TOTP defaults ${d.algorithm}, ${d.digits} digits, ${d.periodSeconds} s
MFA policy ${s.mfaPolicy}
remembered devices ${s.rememberDevices ? 'on' : 'off'} (count as AAL2: ${s.rememberedDeviceAal2 ? 'yes' : 'no'})`;
}

type StringOption = 'name' | 'project' | 'secret-id' | 'origin' | 'secret' | 'digits' | 'period' | 'algorithm' | 'url' | 'endpoint';

/** One command of the CLI; `run` resolves when it is done and throws to fail (cliMain sets the exit code). */
export interface CliCommand {
  /** The positional words that name the command, e.g. `project secret create`. */
  readonly name: string;
  /** Its lines in USAGE: the synopsis padded to the description column, continuation lines indented. */
  readonly usage: string;
  /** How many words follow the name (default 0): `backup FILE` takes 1. */
  readonly operands?: number;
  readonly run: (args: CommandArgs) => Promise<void>;
}

/** Script output (`--json`: one JSON object) or the human line(s), on stdout. */
function print(json: boolean, value: Record<string, unknown>, human: string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : human + '\n');
}

/** Opens the configured database (migrated, keys checked) and runs `fn` with the gateway's services. */
function withServices<T>(fn: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig();
  return withDatabase(config, ({ db }) => fn(createServices(config, db)));
}

/** `project origins add` and `remove`: the same arguments and output, `allowed` says which. */
function originCommand(adding: boolean): CliCommand['run'] {
  return async ({ json, required }) => {
    const projectId = required('project');
    const origin = required('origin');
    const done = await withServices((s) => (adding ? s.projects.addOrigin(projectId, origin) : s.projects.removeOrigin(projectId, origin)));
    print(json, { projectId, origin: done, allowed: adding }, `${adding ? 'allowed' : 'removed'} ${done}`);
  };
}

/** Every command, in the order USAGE lists them (src/cli.ts builds USAGE from this table). */
export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'serve',
    usage: 'serve                                          apply migrations and serve GraphQL (same as npm start)',
    run: async () => {
      await serve(loadConfig());
    },
  },
  {
    name: 'migrate',
    usage: 'migrate                                        apply pending database migrations and exit',
    run: ({ json }) =>
      withDatabase(
        loadConfig(),
        async ({ applied }) => print(json, { applied }, applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations'),
        { checkKeys: false },
      ),
  },
  {
    name: 'project create',
    usage: 'project create --name NAME [--json]            create a project; prints its id, public token and first secret once',
    run: async ({ json, required }) => {
      const name = required('name');
      const created = await withServices((s) => s.projects.create(name));
      print(
        json,
        { ...created },
        `project ${created.projectId}\npublic token ${created.publicToken}\nsecret id ${created.secretId}\nsecret ${created.secret}\n(the secret is shown only now)`,
      );
    },
  },
  {
    name: 'project list',
    usage: 'project list [--json]                          list projects and the ids of their live secrets',
    run: async ({ json }) => {
      const projects = await withServices((s) => s.projects.list());
      const rows = projects.map((p) => ({ projectId: p.projectId, name: p.name, secretIds: p.secrets.map((x) => x.secretId) }));
      print(json, { projects: rows }, rows.map((r) => `${r.projectId}  ${r.name}  secrets: ${r.secretIds.join(', ') || '-'}`).join('\n') || 'no projects');
    },
  },
  {
    name: 'project secret create',
    usage: 'project secret create --project ID [--json]    add a secret to a project (for rotation)',
    run: async ({ json, required }) => {
      const projectId = required('project');
      const created = await withServices((s) => s.projects.createSecret(projectId));
      print(json, { ...created }, `secret id ${created.secretId}\nsecret ${created.secret}\n(the secret is shown only now)`);
    },
  },
  {
    name: 'project secret revoke',
    usage:
      'project secret revoke --project ID --secret-id ID\n' +
      '                                               revoke a secret; requests using it fail at once',
    run: async ({ json, required }) => {
      const projectId = required('project');
      const secretId = required('secret-id');
      await withServices((s) => s.projects.revokeSecret(projectId, secretId));
      print(json, { revoked: secretId }, `revoked ${secretId}`);
    },
  },
  {
    name: 'project public-token',
    usage: "project public-token --project ID [--json]     print the project's public token (for browsers; not a secret)",
    run: async ({ json, required }) => {
      const projectId = required('project');
      const publicToken = await withServices((s) => s.projects.publicToken(projectId));
      print(json, { projectId, publicToken }, publicToken);
    },
  },
  {
    name: 'project origins add',
    usage:
      'project origins add --project ID --origin ORIGIN\n' +
      '                                               allow a browser origin (scheme://host[:port]) to call with the\n' +
      '                                               public token and a session (CORS, no credentials)',
    run: originCommand(true),
  },
  {
    name: 'project origins remove',
    usage: 'project origins remove --project ID --origin ORIGIN',
    run: originCommand(false),
  },
  {
    name: 'project origins list',
    usage: 'project origins list --project ID [--json]     the origins a project allows',
    run: async ({ json, required }) => {
      const projectId = required('project');
      const origins = await withServices((s) => s.projects.listOrigins(projectId));
      print(json, { projectId, origins }, origins.join('\n') || 'no origins');
    },
  },
  {
    name: 'project settings',
    usage:
      'project settings --project ID [--max-totps-per-user N] [--totp-algorithm SHA1|SHA256|SHA512]\n' +
      '                 [--totp-digits 6|8] [--totp-period 30|60] [--mfa-policy OPTIONAL|REQUIRED]\n' +
      '                 [--remember-devices on|off] [--remembered-device-aal2 on|off] [--json]\n' +
      '                                               show, or change, how many TOTPs a user may hold (1..10;\n' +
      '                                               1 = Stytch\'s one), the parameters new TOTPs get, the MFA\n' +
      '                                               policy and whether (and as what) devices are remembered',
    run: async ({ json, required, optional }) => {
      const projectId = required('project');
      const change = settingsChange(optional);
      const settings = await withServices((s) => s.projectSettings.update(projectId, change));
      const { totpDefaults: d } = settings;
      print(
        json,
        { ...settings, totpDefaults: { algorithm: d.algorithm, digits: d.digits, period: d.periodSeconds } },
        settingsLines(settings),
      );
    },
  },
  {
    name: 'import',
    operands: 1,
    usage:
      'import --project ID FILE [--report PATH] [--json]\n' +
      '                                               import existing TOTP registrations from a JSON lines or CSV\n' +
      '                                               file (email|userId|externalId, secret|otpauthUri, label,\n' +
      '                                               algorithm, digits, period, recoveryCodes); creates missing\n' +
      '                                               users; lines not imported go to the report (default\n' +
      '                                               FILE.errors.jsonl); a re-run skips what is there',
    run: async ({ json, required, optional, operands }) => {
      const projectId = required('project');
      const { database } = loadConfig();
      const databasePath = database.kind === 'sqlite' ? database.path : null;
      const summary = await withServices((s) => importFile(s, { projectId, file: operands[0], reportPath: optional('report'), databasePath, progress: process.stderr }));
      const human =
        `${summary.lines} lines in ${summary.seconds.toFixed(1)} s: ${summary.imported} imported (${summary.usersCreated} users created), ` +
        `${summary.skipped} skipped (already imported), ${summary.failed} failed; report: ${summary.report}`;
      print(json, { ...summary }, human);
    },
  },
  ...webhookCommands(withServices, print),
  {
    name: 'keys rotate',
    usage:
      'keys rotate [--json]                           re-encrypt TOTP secrets, signing keys, retrievable recovery\n' +
      '                                               codes and webhook secrets still under a previous key to GATEWAY_ENCRYPTION_KEY\n' +
      '                                               (keyed hashes are one-way and cannot be re-keyed: keep the old\n' +
      '                                               key in GATEWAY_ENCRYPTION_KEYS_PREVIOUS while they are in use)',
    // Envelopes only: keyed hashes cannot be re-keyed (see KEYED_HASH_NOTE and key-rotation.service.ts).
    run: ({ json }) =>
      withDatabase(loadConfig(), async ({ db, keyring }) => {
        const counts = await new KeyRotationService(db, new Envelope(keyring)).rotate();
        const human =
          `re-encrypted under key ${keyring.primary.id}: ${counts.totps} TOTP secrets, ${counts.signingKeys} signing keys, ` +
          `${counts.recoveryCodes} retrievable recovery codes, ${counts.webhookSecrets} webhook signing secrets\n${KEYED_HASH_NOTE}`;
        print(json, { ...counts }, human);
        if (json) process.stderr.write(KEYED_HASH_NOTE + '\n');
      }),
  },
  {
    name: 'backup',
    operands: 1,
    usage:
      'backup FILE [--force] [--json]                 online, consistent copy of the SQLite database to FILE while the\n' +
      '                                               gateway serves (PostgreSQL: pg_dump -Fc); --force replaces FILE',
    run: async ({ json, force, operands }) => {
      const done = await backupCommand(loadConfig(), operands[0], force);
      print(json, { file: operands[0], ...done }, `backed up ${done.pages} pages (${done.migrations.length} migrations) to ${operands[0]}`);
    },
  },
  {
    name: 'restore',
    operands: 1,
    usage:
      'restore FILE [--json]                          replace the SQLite database with the backup FILE (gateway stopped),\n' +
      '                                               once it passes integrity_check, its migrations are known and the\n' +
      '                                               encryption key reads it',
    run: async ({ json, operands }) => {
      const done = await restoreCommand(loadConfig(), operands[0]);
      const applied = done.applied.length ? `; applied ${done.applied.join(', ')}` : '';
      print(json, { ...done }, `restored ${operands[0]} to ${done.database}${applied}`);
    },
  },
  {
    name: 'totp code',
    usage:
      'totp code --secret SECRET [--digits 6] [--period 30] [--algorithm SHA1] [--json]\n' +
      '                                               print the current code of a base32 TOTP secret (RFC 6238)',
    run: async ({ json, required, optional }) => {
      const options = { secret: required('secret'), digits: optional('digits'), period: optional('period'), algorithm: optional('algorithm') };
      let code: string;
      try {
        code = totpCodeAt(options, Date.now());
      } catch (error) {
        if (error instanceof TotpOptionError) throw new UsageError(error.message);
        throw error;
      }
      print(json, { code }, code);
    },
  },
  {
    name: 'schema',
    usage: 'schema                                         print the GraphQL SDL (schema/schema.graphql)',
    run: async () => {
      process.stdout.write(printGatewaySchema());
    },
  },
];
