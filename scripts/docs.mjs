#!/usr/bin/env node
// Generates docs/reference.md, the one-page reference of every environment variable and CLI command,
// from the code so it cannot drift (npm run docs; `--check` compares instead of writing):
//   - CLI commands: the exported USAGE of the built CLI (dist/src/cli.js; `npm run docs` builds first);
//   - environment variables: the names src/config.ts reads (scanned from its source text: a call
//     `anyHelper(env, 'NAME', ...)`, `env.NAME`, `env['NAME']`), with default and meaning from README's
//     "Configuration" table rows (| `NAME` | default | meaning |);
//   - errors: the built error catalogue (dist/src/errors/error.catalogue.js), one anchored row per code,
//     which the REST facade's error_url of the gateway's own codes points to (src/errors/error.wire.ts).
// Exits 1, naming them, when config.ts reads a variable README has no row for or README has a row
// for a variable config.ts does not read; with --check also when docs/reference.md is not current.
// Options for tests: --root DIR (default: the repository), --config, --readme, --cli, --errors, --out (paths);
// with --root and no catalogue at --errors, the errors section is left out.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    root: { type: 'string' },
    config: { type: 'string' },
    readme: { type: 'string' },
    cli: { type: 'string' },
    errors: { type: 'string' },
    out: { type: 'string' },
  },
});
const root = resolve(args.root ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const paths = {
  config: resolve(root, args.config ?? 'src/config.ts'),
  readme: resolve(root, args.readme ?? 'README.md'),
  cli: resolve(root, args.cli ?? 'dist/src/cli.js'),
  errors: resolve(root, args.errors ?? 'dist/src/errors/error.catalogue.js'),
  out: resolve(root, args.out ?? 'docs/reference.md'),
};
const shown = (path) => relative(root, path) || path;

function fail(lines) {
  process.stderr.write(`docs: ${lines.join('\n  ')}\n`);
  process.exit(1);
}

/** Environment variable names src/config.ts reads, in order of first appearance. Comment lines are skipped. */
function readEnvNames(source) {
  const code = source
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join('\n');
  const NAME = "([A-Z][A-Z0-9_]*)";
  const patterns = [
    new RegExp(`\\b[A-Za-z_$][\\w$]*\\(\\s*env\\s*,\\s*['"\`]${NAME}['"\`]`, 'g'), // int(env, 'NAME', ...), bool(...), oneOf(...), any helper
    new RegExp(`\\benv\\??\\.${NAME}\\b`, 'g'), // env.NAME, process.env.NAME
    new RegExp(`\\benv\\??\\.?\\[\\s*['"\`]${NAME}['"\`]\\s*\\]`, 'g'), // env['NAME']
  ];
  const found = [];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) found.push({ name: match[1], index: match.index });
  }
  return [...new Set(found.sort((a, b) => a.index - b.index).map((f) => f.name))];
}

/** README's Configuration table rows: [{ name, default, meaning }] in README order. */
function readReadmeRows(readme) {
  const start = readme.search(/^## Configuration\s*$/m);
  if (start < 0) fail([`${shown(paths.readme)} has no "## Configuration" section.`]);
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const rows = [];
  for (const line of section.split('\n')) {
    const match = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|(.*)\|\s*$/.exec(line);
    if (match) rows.push({ name: match[1], default: match[2].trim(), meaning: match[3].trim() });
  }
  return rows;
}

/** The commands of the CLI's USAGE text: [{ command, description }], continuation lines joined. */
function readCommands(usage) {
  const lines = usage.split('\n');
  const from = lines.findIndex((line) => /^Commands:\s*$/.test(line));
  if (from < 0) fail([`USAGE in ${shown(paths.cli)} has no "Commands:" section.`]);
  const commands = [];
  let i = from + 1;
  for (; i < lines.length && lines[i].trim() !== ''; i++) {
    const line = lines[i];
    const entry = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/.exec(line);
    if (entry) commands.push({ command: entry[1].trim(), description: entry[2]?.trim() ?? '' });
    else if (commands.length) {
      const last = commands[commands.length - 1];
      last.description = `${last.description} ${line.trim()}`.trim();
    }
  }
  const synopsis = lines.slice(0, from).join(' ').replace(/^Usage:\s*/, '').trim();
  const notes = lines.slice(i).join('\n').trim();
  return { synopsis, commands, notes };
}

const cell = (text) => text.replace(/\|/g, '\\|');

/** The catalogue's rows: [{ code, status, errorType, message, own }] in catalogue order; null when absent under --root. */
function readErrors() {
  let catalogue;
  try {
    catalogue = createRequire(import.meta.url)(paths.errors);
  } catch (error) {
    if (args.root && error.code === 'MODULE_NOT_FOUND') return null;
    fail([`cannot load ${shown(paths.errors)} (run npm run build, or npm run docs): ${error.message}`]);
  }
  return Object.entries(catalogue.ERROR_CATALOGUE).map(([code, entry]) => ({ code, ...entry, own: catalogue.GATEWAY_OWN_CODES.has(code) }));
}

function errorSection(errors) {
  if (!errors) return [];
  // One anchor per error_type (two codes may share one, e.g. bad_request): on its first row.
  const anchored = new Set();
  const anchor = (type) => (anchored.has(type) ? '' : (anchored.add(type), `<a id="${type}"></a>`));
  return [
    `## Errors (${errors.length})`,
    '',
    "Every error's GraphQL `extensions.code` and REST `error_type`, HTTP status and message. The REST facade's",
    "`error_url` of the gateway's own error types (not Stytch's) points to their row here (`docs/reference.md#<error_type>`);",
    "Stytch's point to Stytch's error pages.",
    '',
    '| code | status | error_type | origin | message |',
    '| --- | --- | --- | --- | --- |',
    ...errors.map((e) => `| ${anchor(e.errorType)}\`${e.code}\` | ${e.status} | \`${e.errorType}\` | ${e.own ? 'gateway' : 'Stytch'} | ${cell(e.message)} |`),
    '',
  ];
}

function render({ variables, cli, errors }) {
  return [
    '# Reference',
    '',
    '<!-- Generated by scripts/docs.mjs (npm run docs): environment variables from src/config.ts with',
    "     README's Configuration table, CLI commands from the USAGE of dist/src/cli.js, errors from the built",
    '     catalogue. Do not edit by hand; test/unit/docs.test.ts and .ci/run fail when this file is stale. -->',
    '',
    `Every environment variable the gateway reads, every command of its CLI and every error, on one page. The server and`,
    'the CLI read the same environment, once, in `src/config.ts`; a bad value stops start-up with one line',
    'naming it.',
    '',
    `## Environment variables (${variables.length})`,
    '',
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...variables.map((v) => `| \`${v.name}\` | ${v.default} | ${v.meaning} |`),
    '',
    `## CLI commands (${cli.commands.length})`,
    '',
    `\`${cli.synopsis}\`: the package's bin \`totp-gateway\`, or \`npm run cli -- <command>\`.`,
    '',
    '| command | does |',
    '| --- | --- |',
    ...cli.commands.map((c) => `| \`${cell(c.command)}\` | ${cell(c.description)} |`),
    '',
    ...(cli.notes ? [cli.notes, ''] : []),
    ...errorSection(errors),
  ].join('\n');
}

function main() {
  const readNames = readEnvNames(readFileSync(paths.config, 'utf8'));
  const rows = readReadmeRows(readFileSync(paths.readme, 'utf8'));
  const rowNames = new Set(rows.map((r) => r.name));
  const undocumented = readNames.filter((name) => !rowNames.has(name));
  const unread = rows.map((r) => r.name).filter((name) => !readNames.includes(name));
  const duplicated = rows.map((r) => r.name).filter((name, i, all) => all.indexOf(name) !== i);
  const problems = [
    ...(undocumented.length ? [`read by ${shown(paths.config)} but missing from ${shown(paths.readme)}'s Configuration table: ${undocumented.join(', ')}`] : []),
    ...(unread.length ? [`in ${shown(paths.readme)}'s Configuration table but not read by ${shown(paths.config)}: ${unread.join(', ')}`] : []),
    ...(duplicated.length ? [`listed more than once in ${shown(paths.readme)}'s Configuration table: ${[...new Set(duplicated)].join(', ')}`] : []),
  ];
  if (problems.length) fail(['environment variables and README disagree:', ...problems]);

  let usage;
  try {
    usage = createRequire(import.meta.url)(paths.cli).USAGE;
  } catch (error) {
    fail([`cannot load ${shown(paths.cli)} (run npm run build, or npm run docs): ${error.message}`]);
  }
  if (typeof usage !== 'string') fail([`${shown(paths.cli)} exports no USAGE string.`]);

  const text = render({ variables: rows, cli: readCommands(usage), errors: readErrors() });
  if (args.check) {
    let current = '';
    try {
      current = readFileSync(paths.out, 'utf8');
    } catch {
      // missing: reported as stale below
    }
    if (current !== text) fail([`${shown(paths.out)} is stale: run npm run docs and commit it.`]);
    process.stdout.write(`docs: ${shown(paths.out)} is current (${rows.length} variables, ${readCommands(usage).commands.length} commands)\n`);
    return;
  }
  mkdirSync(dirname(paths.out), { recursive: true });
  writeFileSync(paths.out, text);
  process.stdout.write(`docs: wrote ${shown(paths.out)}\n`);
}

main();
