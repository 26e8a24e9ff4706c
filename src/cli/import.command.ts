// The `import` command: existing TOTP registrations from a file (import.file.ts) into a project. Lines
// are checked (totp-import.rules.ts), their users found or created, and written IMPORT_BATCH_LINES at a
// time, one savepoint per line (TotpImportService.importBatch). Every line that is not imported gets
// a line in the report (JSON lines): `skipped` when the user already has that secret (a re-run), else
// `error` with the coded error. Nothing secret is written to the report or the terminal.
import { createWriteStream, fchmodSync, openSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { GatewayError } from '../errors/error.catalogue';
import { IMPORT_BATCH_LINES, IMPORT_PROGRESS_INTERVAL_MS } from '../constants/import.constants';
import type { Services } from '../services';
import type { ImportRequest, PreparedImport } from '../totp/totp-import.rules';
import { prepareImport } from '../totp/totp-import.rules';
import type { ImportLine, UserRef } from '../totp/totp-import.service';
import { readImportFile, type ImportFields, type ImportRecord } from './import.file';
import { outputPathConflict } from '../db/output-path';

/** What the command was asked: the project, the file, where the report goes. */
export interface ImportOptions {
  readonly projectId: string;
  readonly file: string;
  /** Default: FILE.errors.jsonl. */
  readonly reportPath?: string;
  /** The SQLite database file (null for PostgreSQL): the report may not be written over it (db/output-path.ts). */
  readonly databasePath: string | null;
  /** Where the progress line goes; drawn only when it is a terminal. */
  readonly progress?: NodeJS.WriteStream;
}

/** The command's result, printed as its summary. */
export interface ImportSummary {
  readonly lines: number;
  readonly imported: number;
  readonly skipped: number;
  readonly failed: number;
  readonly usersCreated: number;
  readonly report: string;
  readonly seconds: number;
}

/** The report names users (emails, external ids): owner only (OWASP Logging Cheat Sheet, "Protection"). */
const REPORT_FILE_MODE = 0o600;

/** A report path that would overwrite the file being imported or the database: the CLI prints its message (exit 1). */
class ReportPathRefusedError extends Error {
  override readonly name = 'ReportPathRefusedError';
}

/** The running counts of a run. */
type Counts = { -readonly [K in 'lines' | 'imported' | 'skipped' | 'failed' | 'usersCreated']: number };

/** One line of the report. */
interface ReportLine {
  readonly line: number;
  readonly status: 'skipped' | 'error';
  readonly user?: string;
  readonly code: string;
  readonly errorType: string;
  readonly message: string;
  readonly [detail: string]: unknown;
}

/** A line checked and with its user, ready for the batch. */
interface ReadyLine extends ImportLine {
  readonly line: number;
  readonly user: string | undefined;
}

/**
 * Imports every line of `options.file` into the project and writes the report (mode 0600).
 * @throws ReportPathRefusedError before anything is opened when the report path is FILE itself or the
 *   database (or one of its files); ProjectNotFoundError before any line when the project does not exist; a database fault
 *   (GatewayError DATABASE_BUSY, ...) or an unreadable file fails the run at the batch it hit: that
 *   batch writes nothing, earlier batches stay, and a re-run skips them.
 */
export async function importFile(services: Services, options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const reportPath = options.reportPath ?? `${options.file}.errors.jsonl`;
  const conflict = outputPathConflict(reportPath, { databasePath: options.databasePath, inputs: [options.file] });
  if (conflict) throw new ReportPathRefusedError(`--report: ${conflict}`);
  await services.totpImports.requireProject(options.projectId);
  const report = openReport(reportPath);
  const counts: Counts = { lines: 0, imported: 0, skipped: 0, failed: 0, usersCreated: 0 };
  const progress = options.progress?.isTTY ? new ProgressLine(options.progress) : undefined;
  const run = new ImportRun(services, options.projectId, report, counts);
  try {
    let batch: ImportRecord[] = [];
    for await (const record of readImportFile(options.file)) {
      counts.lines++;
      batch.push(record);
      if (batch.length >= IMPORT_BATCH_LINES) {
        await run.batch(batch);
        batch = [];
        progress?.draw(counts);
      }
    }
    await run.batch(batch);
  } finally {
    progress?.done(counts);
    report.end();
    await once(report, 'close');
  }
  return { ...counts, report: reportPath, seconds: (Date.now() - started) / 1000 };
}

/** The report file, emptied, readable by its owner only even when an earlier run left it with another mode (it names users). */
function openReport(path: string): WriteStream {
  const fd = openSync(path, 'w', REPORT_FILE_MODE);
  fchmodSync(fd, REPORT_FILE_MODE);
  return createWriteStream('', { fd });
}

/** One run of the command: its counts and report, batch by batch. */
class ImportRun {
  constructor(
    private readonly services: Services,
    private readonly projectId: string,
    private readonly report: WriteStream,
    private readonly counts: Counts,
  ) {}

  /** Checks one batch's lines, finds their users and writes them (a failed line, its new user included, is rolled back alone). */
  async batch(records: readonly ImportRecord[]): Promise<void> {
    const checked: Array<{ line: number; user: string | undefined; prepared: PreparedImport; ref: UserRef }> = [];
    for (const record of records) {
      if ('error' in record) {
        this.fail(record.line, undefined, record.error);
        continue;
      }
      const user = describeUser(record.fields);
      try {
        checked.push({ line: record.line, user, prepared: prepareImport(requestOf(record.fields), { mintWhenOmitted: false }), ref: userRefOf(record.fields) });
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        this.fail(record.line, user, error);
      }
    }
    const users = await this.services.totpImports.resolveUsers(this.projectId, checked.map((c) => c.ref));
    const ready: ReadyLine[] = [];
    checked.forEach(({ line, user, prepared }, i) => {
      const resolved = users[i];
      if (resolved instanceof GatewayError) return this.fail(line, user, resolved);
      ready.push({ line, user, prepared, ...resolved });
    });
    if (!ready.length) return;
    const outcomes = await this.services.totpImports.importBatch(this.projectId, ready);
    outcomes.forEach((outcome, i) => {
      const { line, user } = ready[i];
      if (outcome.ok) {
        this.counts.imported++;
        if (outcome.imported.userCreated) this.counts.usersCreated++;
      } else if (outcome.error.code === 'DUPLICATE_TOTP_SECRET') {
        this.counts.skipped++;
        this.write({ line, status: 'skipped', ...(user !== undefined && { user }), ...wire(outcome.error) });
      } else {
        this.fail(line, user, outcome.error);
      }
    });
  }

  private fail(line: number, user: string | undefined, error: GatewayError): void {
    this.counts.failed++;
    this.write({ line, status: 'error', ...(user !== undefined && { user }), ...wire(error) });
  }

  private write(entry: ReportLine): void {
    this.report.write(JSON.stringify(entry) + '\n');
  }
}

/** The coded error as the report shows it: code, error type, message and public details (never a secret). */
function wire(error: GatewayError): Pick<ReportLine, 'code' | 'errorType' | 'message'> & Record<string, unknown> {
  return { code: error.code, errorType: error.errorType, message: error.message, ...error.details };
}

/** Which user a line names, for the report: its email, external id or user id as written. */
function describeUser(fields: ImportFields): string | undefined {
  const named = fields.userId ?? fields.externalId ?? fields.email;
  return typeof named === 'string' ? named : undefined;
}

/** A text field of a line; any other JSON type is refused as that field's bad input. */
function text(fields: ImportFields, name: keyof ImportFields): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_argument', message: `${name} must be a string.`, details: { field: name } });
  return value;
}

/** A number field, given as a JSON number or as digits (CSV); anything else is NaN, which the rules refuse. */
function integer(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  return typeof value === 'string' && /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : NaN;
}

/**
 * Recovery codes as a JSON array of strings, or as one text (CSV): separated by `;` when it holds one
 * (a code may then be typed with spaces, `pqrs tvwx yz01`), else by spaces or commas.
 */
function codesOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((code) => (typeof code === 'string' ? code : ''));
  if (typeof value === 'string') return value.split(value.includes(';') ? ';' : /[\s,]+/).map((code) => code.trim()).filter(Boolean);
  throw new GatewayError('INVALID_RECOVERY_CODE', { message: 'recoveryCodes must be a list of codes.', details: { field: 'recoveryCodes', reason: 'malformed' } });
}

function booleanOf(value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (['true', '1', 'yes'].includes(word)) return true;
  if (['false', '0', 'no'].includes(word)) return false;
  throw new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_argument', message: 'verified must be true or false.', details: { field: 'verified' } });
}

/** The import request of a line's fields. */
function requestOf(fields: ImportFields): ImportRequest {
  const secret = text(fields, 'secret');
  // Exports often put the otpauth URI in their one secret column.
  const uriAsSecret = secret !== undefined && fields.otpauthUri === undefined && /^\s*otpauth:/i.test(secret);
  return {
    secret: uriAsSecret ? undefined : secret,
    otpauthUri: uriAsSecret ? secret : text(fields, 'otpauthUri'),
    label: text(fields, 'label'),
    algorithm: text(fields, 'algorithm'),
    digits: integer(fields.digits),
    period: integer(fields.period),
    recoveryCodes: codesOf(fields.recoveryCodes),
    verified: booleanOf(fields.verified),
  };
}

function userRefOf(fields: ImportFields): UserRef {
  return { userId: text(fields, 'userId'), email: text(fields, 'email'), externalId: text(fields, 'externalId') };
}

/** The progress line on a terminal: lines read, rate, outcome counts; redrawn at most every IMPORT_PROGRESS_INTERVAL_MS. */
class ProgressLine {
  private readonly started = Date.now();
  private drawnAt = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  draw(counts: Counts, force = false): void {
    const now = Date.now();
    if (!force && now - this.drawnAt < IMPORT_PROGRESS_INTERVAL_MS) return;
    this.drawnAt = now;
    const rate = Math.round(counts.lines / Math.max((now - this.started) / 1000, 0.001));
    this.out.write(`\r\x1b[2Kimport: ${counts.lines} lines (${rate}/s): ${counts.imported} imported, ${counts.skipped} skipped, ${counts.failed} failed`);
  }

  done(counts: Counts): void {
    this.draw(counts, true);
    this.out.write('\n');
  }
}
