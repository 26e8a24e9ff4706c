#!/usr/bin/env node
// The totp-gateway command line. Every command reads the same environment as the server
// (src/config.ts). Output meant for scripts goes to stdout (--json); everything else to stderr.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError } from './config';
import { COMMANDS, UsageError, type CliCommand } from './cli/cli.commands';

export const USAGE = `Usage: totp-gateway <command> [options]

Commands:
${COMMANDS.map((command) => '  ' + command.usage.replaceAll('\n', '\n  ')).join('\n')}

Every command reads the server's environment (DATABASE_URL, GATEWAY_ENCRYPTION_KEY, ...).`;

const BY_NAME = new Map(COMMANDS.map((command) => [command.name, command]));

/** Runs one command line (without the node and script paths); throws UsageError for a wrong one. */
export async function runCli(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      project: { type: 'string' },
      'secret-id': { type: 'string' },
      origin: { type: 'string' },
      'max-totps-per-user': { type: 'string' },
      'totp-algorithm': { type: 'string' },
      'totp-digits': { type: 'string' },
      'totp-period': { type: 'string' },
      'mfa-policy': { type: 'string' },
      'remember-devices': { type: 'string' },
      'remembered-device-aal2': { type: 'string' },
      report: { type: 'string' },
      secret: { type: 'string' },
      digits: { type: 'string' },
      period: { type: 'string' },
      algorithm: { type: 'string' },
      url: { type: 'string' },
      endpoint: { type: 'string' },
      events: { type: 'string' },
      enabled: { type: 'string' },
      description: { type: 'string' },
      status: { type: 'string' },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0 || (positionals.length === 1 && positionals[0] === 'help')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const { found, operands } = findCommand(positionals);
  const command = found.name;
  const run = found.run({
    json: values.json ?? false,
    force: values.force ?? false,
    operands,
    optional: (name) => values[name] || undefined,
    required: (name) => {
      const value = values[name];
      if (!value) throw new UsageError(`"${command}" needs --${name}.`);
      return value;
    },
  });
  // A mistake in this command's flags: its own usage is the hint.
  await run.catch((error: unknown) => {
    throw error instanceof UsageError && error.usage === undefined ? new UsageError(error.message, found.usage) : error;
  });
}

/**
 * The command named by the longest run of leading words that names one, and the words after it (its
 * operands, e.g. `backup FILE`): exactly as many as the command takes, else UsageError.
 */
function findCommand(positionals: string[]): { found: CliCommand; operands: string[] } {
  for (let words = positionals.length; words > 0; words--) {
    const found = BY_NAME.get(positionals.slice(0, words).join(' '));
    if (!found) continue;
    const operands = positionals.slice(words);
    if (operands.length === (found.operands ?? 0)) return { found, operands };
    if (operands.length > 0 && !found.operands) break;
    throw new UsageError(`"${found.name}" takes ${found.operands ?? 0} argument(s) (${found.usage.split('\n')[0].trim().split(/\s{2,}/)[0]}), got ${operands.length}.`, found.usage);
  }
  throw new UsageError(`unknown command "${positionals.join(' ')}".`);
}

/**
 * What follows a usage mistake's message: the command's own usage when it is known, and where the
 * full usage is (not the whole of it: the message would scroll away above it).
 */
function usageHint(error: unknown): string {
  const own = error instanceof UsageError && error.usage ? `usage: totp-gateway ${error.usage.replaceAll('\n', '\n  ')}\n` : '';
  return `${own}(run \`totp-gateway help\` for every command)`;
}

/**
 * Runs the CLI and turns any failure into one line on stderr and an exit code (2: usage, 1: other);
 * a usage mistake adds usageHint's lines.
 */
export function cliMain(argv: string[]): Promise<void> {
  return runCli(argv).catch((error: unknown) => {
    const usage = error instanceof UsageError || Boolean((error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS'));
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`totp-gateway: ${message}${usage ? '\n' + usageHint(error) : ''}\n`);
    process.exitCode = usage ? 2 : 1;
  });
}

if (require.main === module) void cliMain(process.argv.slice(2));
