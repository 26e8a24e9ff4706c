// Reading an import file for the `import` command: JSON lines or CSV (RFC 4180, parsed by `csv-parse`),
// chosen by the file's extension or, failing that, its first character. Each record becomes the
// fields of one registration with its line number; a line that cannot be read becomes a coded error
// for the report, and the rest of the file is still read. Files are streamed, never held whole.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import { GatewayError } from '../errors/error.catalogue';
import { IMPORT_LINE_MAX_BYTES } from '../constants/import.constants';

type ImportFormat = 'jsonl' | 'csv';

/** The fields of one line, by the names the import reads (column or key names normalised, see FIELD_NAMES). */
export interface ImportFields {
  readonly email?: unknown;
  readonly userId?: unknown;
  readonly externalId?: unknown;
  readonly secret?: unknown;
  readonly otpauthUri?: unknown;
  readonly label?: unknown;
  readonly algorithm?: unknown;
  readonly digits?: unknown;
  readonly period?: unknown;
  readonly recoveryCodes?: unknown;
  readonly verified?: unknown;
}

/** One record of the file: its fields, or why it could not be read. `line` is 1-based (the CSV header is line 1). */
export type ImportRecord = { readonly line: number; readonly fields: ImportFields } | { readonly line: number; readonly error: GatewayError };

/**
 * Column and key names as files spell them (`user_id`, `User ID`, `otpauth_uri`, `uri`, ...),
 * compared lower case without separators, to the field they fill. Other columns are ignored.
 */
const FIELD_NAMES: Readonly<Record<string, keyof ImportFields>> = {
  email: 'email',
  emailaddress: 'email',
  userid: 'userId',
  externalid: 'externalId',
  secret: 'secret',
  otpauthuri: 'otpauthUri',
  otpauth: 'otpauthUri',
  uri: 'otpauthUri',
  label: 'label',
  algorithm: 'algorithm',
  digits: 'digits',
  period: 'period',
  recoverycodes: 'recoveryCodes',
  verified: 'verified',
};

/** The field a column or key name fills, or undefined for a name the import ignores. */
function fieldOf(name: string): keyof ImportFields | undefined {
  return FIELD_NAMES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/** JSON lines for `.jsonl`, `.ndjson` and `.json`, CSV for `.csv`; otherwise JSON lines when the first character (after a BOM and spaces) is `{`. */
async function detectFormat(path: string): Promise<ImportFormat> {
  const extension = extname(path).toLowerCase();
  if (['.jsonl', '.ndjson', '.json'].includes(extension)) return 'jsonl';
  if (extension === '.csv') return 'csv';
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return head.startsWith('{') ? 'jsonl' : 'csv';
  } finally {
    await handle.close();
  }
}

const unreadable = (message: string, errorType?: 'invalid_json') => new GatewayError('BAD_REQUEST', { message, ...(errorType && { errorType }) });

const LF = 0x0a;
const CR = 0x0d;
/** Bytes of one line held at most (the rest of a longer line is skipped unread): room for IMPORT_LINE_MAX_BYTES and the white space around it. */
const LINE_HELD_MAX_BYTES = 2 * IMPORT_LINE_MAX_BYTES;

/**
 * The lines of a file ended by LF, CRLF or CR (as readline splits them), decoded as UTF-8 once whole;
 * a line longer than LINE_HELD_MAX_BYTES is answered `null`, its bytes dropped as they stream past, so
 * a huge or binary file without line ends never has to fit in memory (readline holds a whole line as
 * one string, whatever its length).
 */
async function* boundedLines(path: string): AsyncGenerator<string | null> {
  let parts: Buffer[] = [];
  let held = 0;
  let tooLong = false;
  /** The previous line ended with CR: an LF right after it ends nothing more. */
  let afterCr = false;
  const keep = (piece: Buffer) => {
    if (tooLong || !piece.length) return;
    held += piece.length;
    if (held > LINE_HELD_MAX_BYTES) [tooLong, parts] = [true, []];
    else parts.push(piece);
  };
  const take = (): string | null => {
    const line = tooLong ? null : Buffer.concat(parts).toString('utf8');
    [parts, held, tooLong] = [[], 0, false];
    return line;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start: number = afterCr && chunk[0] === LF ? 1 : 0;
    afterCr = false;
    let lf: number = chunk.indexOf(LF, start);
    let cr: number = chunk.indexOf(CR, start);
    while (lf !== -1 || cr !== -1) {
      const end: number = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      keep(chunk.subarray(start, end));
      yield take();
      start = end + (chunk[end] === CR && chunk[end + 1] === LF ? 2 : 1);
      afterCr = chunk[end] === CR && end + 1 === chunk.length;
      if (lf !== -1 && lf < start) lf = chunk.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = chunk.indexOf(CR, start);
    }
    keep(chunk.subarray(start));
  }
  if (held || tooLong) yield take();
}

/** The records of a JSON lines file: one object per line; blank lines skipped; a BOM and CRLF line ends accepted. */
async function* readJsonLines(path: string): AsyncGenerator<ImportRecord> {
  let line = 0;
  for await (const raw of boundedLines(path)) {
    line++;
    const text = raw === null ? null : (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') continue;
    if (text === null || Buffer.byteLength(text) > IMPORT_LINE_MAX_BYTES) {
      yield { line, error: unreadable(`The line is longer than ${IMPORT_LINE_MAX_BYTES} bytes; one line holds one registration.`, 'invalid_json') };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, error: unreadable('The line is not valid JSON; each line of a JSON lines file is one JSON object.', 'invalid_json') };
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, error: unreadable('The line is not a JSON object; each line of a JSON lines file is one JSON object.', 'invalid_json') };
      continue;
    }
    yield { line, fields: pickFields(Object.entries(value)) };
  }
}

/**
 * The records of a CSV file (RFC 4180: quoted fields, CRLF or LF) whose first line names the columns;
 * a BOM is dropped, blank lines skipped, values trimmed, short and long rows accepted (missing values
 * are empty). A row csv-parse cannot read is a coded error for its line; the file goes on.
 */
async function* readCsv(path: string): AsyncGenerator<ImportRecord> {
  const skipped: ImportRecord[] = [];
  const parser = createReadStream(path).pipe(
    parseCsv({
      bom: true,
      columns: (header: string[]) => header.map((name) => fieldOf(name) ?? false),
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      max_record_size: IMPORT_LINE_MAX_BYTES,
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (error: CsvError) => skipped.push({ line: Number(error.lines ?? 0), error: unreadable(`The CSV row cannot be read: ${error.code}.`) }));
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    while (skipped.length) yield skipped.shift()!;
    yield { line: info.lines, fields: pickFields(Object.entries(record)) };
  }
  while (skipped.length) yield skipped.shift()!;
}

/** The known fields of a record; empty strings count as absent. */
function pickFields(entries: Array<[string, unknown]>): ImportFields {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    const field = fieldOf(name);
    if (field && value !== '' && value !== null && value !== undefined) fields[field] = value;
  }
  return fields;
}

/** Every record of the file, in its format. */
export async function* readImportFile(path: string): AsyncGenerator<ImportRecord> {
  yield* (await detectFormat(path)) === 'csv' ? readCsv(path) : readJsonLines(path);
}
