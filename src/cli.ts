#!/usr/bin/env node
// The totp-gateway command line. Every command reads the same environment as the server
// (src/config.ts). Output meant for scripts goes to stdout (--json); everything else to stderr.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError } from './config';
import { COMMANDS, UsageError } from './cli/cli.commands';

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
      report: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals.join(' ');
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  // A command that takes operands (`import FILE`) is named by its first word.
  const exact = BY_NAME.get(command);
  const head = exact ? undefined : BY_NAME.get(positionals[0]);
  const found = exact ?? (head?.operands ? head : undefined);
  if (!found) throw new UsageError(`unknown command "${command}".`);
  await found.run({
    json: values.json ?? false,
    operands: exact ? [] : positionals.slice(1),
    optional: (name) => values[name] || undefined,
    required: (name) => {
      const value = values[name];
      if (!value) throw new UsageError(`"${command}" needs --${name}.`);
      return value;
    },
  });
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
