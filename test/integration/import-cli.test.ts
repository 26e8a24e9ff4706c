// `totp-gateway import`: a messy real-world export (BOM, CRLF, pasted secrets, otpauth URIs, duplicates, bad lines, unknown columns) is imported line by line; the report names each line not imported with its code and no secret, a failed line leaves nothing behind, a re-run skips what is there, and the imported secrets authenticate over HTTP.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli } from '../../src/cli';
import { AuthenticateTotpDocument, CreateUserDocument, GetUserDocument } from '../../client';
import { encodeBase32 } from '../../src/totp/otp.generator';
import { codes, describePostgres, startGateway, totpCode, type TestGateway } from '../support/gateway';

const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-import-'));
const key = randomBytes(32).toString('base64');
const databaseUrl = `sqlite:${join(dir, 'import.sqlite')}`;
const saved = { ...process.env };
let gw: TestGateway;

const secret = () => encodeBase32(randomBytes(20));
/** As people paste it: lower case in groups of four, = padding. */
const pasted = (b32: string) => `${b32.toLowerCase().replace(/(.{4})/g, '$1 ').trim()}====`;

/** Runs the CLI in this process with stdout captured; returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(chunk.toString());
    return true;
  });
  try {
    await runCli(args);
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

const readReport = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; status: string; code: string; errorType: string; message: string; reason?: string })
    .sort((a, b) => a.line - b.line);

async function userIdByEmail(email: string): Promise<string | undefined> {
  const rows: Array<{ id: string }> = await gw.gateway.db.dataSource.query('SELECT id FROM users WHERE email = ?', [email]);
  return rows[0]?.id;
}

beforeAll(async () => {
  gw = await startGateway({ databaseUrl, env: { GATEWAY_ENCRYPTION_KEY: key } });
  Object.assign(process.env, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: key });
});
afterAll(async () => {
  process.env = saved;
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a messy CSV export', () => {
  const alice = secret();
  const bob = secret();
  const grace = secret();
  const rows = [
    '\ufeffEmail,Secret,Label,Algorithm,Digits,Period,Recovery Codes,Notes',
    `alice@example.com,"${pasted(alice)}",Phone,,,,abcd-efgh-jkmn;PQRS TVWX YZ01,vip`, // 2: imported, codes separated by ; and space
    `bob@example.com,otpauth://totp/Old%20IdP:bob%40example.com?secret=${bob.toLowerCase()}&issuer=Old%20IdP&algorithm=SHA256&digits=8,,,,,,`, // 3: URI in the secret column
    `carol@example.com,${secret().slice(0, 20)},,,,,,`, // 4: 100 bits
    `Alice@Example.com,${alice},,,,,,`, // 5: the same user and secret again (email case differs)
    `dave@example.com,${secret()},,MD5,,,,`, // 6
    `,${secret()},,,,,,`, // 7: no user
    `not-an-email,${secret()},,,,,,`, // 8
    `erin@example.com,${secret()},,,,,bad-code,`, // 9
    `frank@example.com,otpauth://hotp/x?secret=${secret()}&counter=0,,,,,,`, // 10
    '',
    `"grace@example.com","${grace.replace(/(.{8})/g, '$1-').replace(/-$/, '')}",Laptop,sha1,6,30,,"a ""quoted"", note"`, // 12
    `henry@example.com,${secret()},,,7,,,`, // 13
    `ivy@example.com,${secret()},,,,45,,`, // 14
  ];
  const file = join(dir, 'export.csv');
  writeFileSync(file, rows.join('\r\n') + '\r\n');

  it('imports the good lines, creating their users, and reports every other line with its code', async () => {
    const summary = JSON.parse(await cli('import', '--project', gw.project.projectId, file, '--json'));
    expect(summary).toEqual(expect.objectContaining({ lines: 12, imported: 3, skipped: 1, failed: 8, usersCreated: 3, report: `${file}.errors.jsonl` }));
    const report = readReport(`${file}.errors.jsonl`);
    expect(report.map((r) => [r.line, r.status, r.code, r.errorType])).toEqual([
      [4, 'error', 'INVALID_SECRET', 'invalid_secret'],
      [5, 'skipped', 'DUPLICATE_TOTP_SECRET', 'duplicate_totp_secret'],
      [6, 'error', 'INVALID_TOTP_PARAMETERS', 'invalid_totp_parameters'],
      [7, 'error', 'BAD_USER_INPUT', 'invalid_argument'],
      [8, 'error', 'BAD_USER_INPUT', 'invalid_email'],
      [9, 'error', 'INVALID_RECOVERY_CODE', 'invalid_recovery_code'],
      [10, 'error', 'INVALID_OTPAUTH_URI', 'invalid_otpauth_uri'],
      [13, 'error', 'INVALID_TOTP_PARAMETERS', 'invalid_totp_parameters'],
      [14, 'error', 'INVALID_TOTP_PARAMETERS', 'invalid_totp_parameters'],
    ]);
    expect(report[0].reason).toBe('too_short');
    const text = readFileSync(`${file}.errors.jsonl`, 'utf8').toUpperCase();
    for (const s of [alice, bob, grace]) expect(text).not.toContain(s);
  });

  it('leaves no user behind for a failed line', async () => {
    for (const email of ['carol@example.com', 'dave@example.com', 'erin@example.com', 'frank@example.com', 'henry@example.com']) {
      expect(await userIdByEmail(email)).toBeUndefined();
    }
    const created = await gw.client.request(CreateUserDocument, { input: { email: 'carol@example.com' } });
    expect(codes(created)).toEqual([]);
  });

  it('imported secrets authenticate over HTTP; the given recovery codes are stored; parameters of the URI are kept', async () => {
    const aliceId = (await userIdByEmail('alice@example.com'))!;
    const graceId = (await userIdByEmail('grace@example.com'))!;
    for (const [userId, s] of [
      [aliceId, alice],
      [graceId, grace],
    ]) {
      const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(s) } });
      expect(authenticateTotp.userId).toBe(userId);
    }
    const codesLeft: Array<{ n: number }> = await gw.gateway.db.dataSource.query(
      'SELECT COUNT(*) AS n FROM totp_recovery_codes c JOIN totps t ON t.id = c.totp_id WHERE t.user_id = ?',
      [aliceId],
    );
    expect(Number(codesLeft[0].n)).toBe(2);
    const bobRow: Array<Record<string, unknown>> = await gw.gateway.db.dataSource.query(
      'SELECT t.algorithm, t.digits, t.period_seconds, t.verified FROM totps t JOIN users u ON u.id = t.user_id WHERE u.email = ?',
      ['bob@example.com'],
    );
    expect(bobRow).toEqual([{ algorithm: 'SHA256', digits: 8, period_seconds: 30, verified: 1 }]);
    // TODO(lead): with per-TOTP verification (TOTP parameters), authenticate bob's 8-digit SHA256 code over HTTP too.
  });

  it('is idempotent: a re-run imports nothing new and reports the imported lines as skipped', async () => {
    const summary = JSON.parse(await cli('import', '--project', gw.project.projectId, file, '--json'));
    expect(summary).toEqual(expect.objectContaining({ lines: 12, imported: 0, skipped: 4, failed: 8, usersCreated: 0 }));
    const skipped = readReport(`${file}.errors.jsonl`).filter((r) => r.status === 'skipped');
    expect(skipped.map((r) => r.line)).toEqual([2, 3, 5, 12]);
    const aliceId = (await userIdByEmail('alice@example.com'))!;
    expect((await gw.client.data(GetUserDocument, { userId: aliceId })).user.totps).toHaveLength(1);
  });
});

describe('a JSON lines file', () => {
  it('names users by userId or externalId, skips blank lines, reports bad JSON, and writes the report where --report says', async () => {
    const known = await gw.createUser();
    const external = await gw.createUser({ externalId: 'crm-42' });
    const [a, b] = [secret(), secret()];
    const lines = [
      `\ufeff${JSON.stringify({ userId: known, secret: pasted(a), recoveryCodes: ['abcd-efgh-jkmn'], extra: { nested: true } })}`,
      '',
      JSON.stringify({ external_id: 'crm-42', otpauth_uri: `otpauth://totp/x?secret=${b}`, label: 'Old app', verified: 'true' }),
      '{"email": "broken@example.com", "secret": ',
      '[1, 2, 3]',
      JSON.stringify({ externalId: 'crm-missing', secret: secret() }),
      JSON.stringify({ userId: known, secret: 12345 }),
      JSON.stringify({ userId: 'user-1', secret: secret() }),
    ];
    const file = join(dir, 'export.data');
    const report = join(dir, 'custom-report.jsonl');
    writeFileSync(file, lines.join('\r\n'));
    const summary = JSON.parse(await cli('import', '--project', gw.project.projectId, file, '--report', report, '--json'));
    expect(summary).toEqual(expect.objectContaining({ lines: 7, imported: 2, skipped: 0, failed: 5, usersCreated: 0, report }));
    expect(readReport(report).map((r) => [r.line, r.code, r.errorType])).toEqual([
      [4, 'BAD_REQUEST', 'invalid_json'],
      [5, 'BAD_REQUEST', 'invalid_json'],
      [6, 'USER_NOT_FOUND', 'user_not_found'],
      [7, 'BAD_USER_INPUT', 'invalid_argument'],
      [8, 'INVALID_USER_ID', 'invalid_user_id'],
    ]);
    for (const [userId, s] of [
      [known, a],
      [external, b],
    ]) {
      expect((await gw.client.data(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(s) } })).authenticateTotp.userId).toBe(userId);
    }
  });

  it('refuses a missing FILE or project as usage / operator errors, writing nothing', async () => {
    await expect(runCli(['import', '--project', gw.project.projectId])).rejects.toThrow(/FILE/);
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, JSON.stringify({ email: 'nobody@example.com', secret: secret() }) + '\n');
    await expect(runCli(['import', '--project', 'project-00000000-0000-4000-8000-000000000000', file])).rejects.toThrow(/No project/);
    expect(await userIdByEmail('nobody@example.com')).toBeUndefined();
  });
});

describePostgres('the import command on PostgreSQL', () => {
  let pg: TestGateway;
  beforeAll(async () => {
    pg = await startGateway({ dialect: 'postgres', env: { GATEWAY_ENCRYPTION_KEY: key } });
    if (pg.config.database.kind !== 'postgres') throw new Error('expected a PostgreSQL gateway');
    process.env.DATABASE_URL = pg.config.database.url;
  });
  afterAll(async () => {
    process.env.DATABASE_URL = databaseUrl;
    await pg?.close();
  });

  it('rolls a refused line back to its savepoint while the rest of its batch commits, and re-runs idempotently', async () => {
    const [a, b] = [secret(), secret()];
    const file = join(dir, 'pg.csv');
    writeFileSync(
      file,
      ['email,secret,digits', `pg-a@example.com,${pasted(a)},`, `pg-a@example.com,${secret()},`, `pg-b@example.com,${b},9`, `pg-b@example.com,${b},`, `PG-A@example.com,${a},`].join('\n'),
    );
    const first = JSON.parse(await cli('import', '--project', pg.project.projectId, file, '--json'));
    expect(first).toEqual(expect.objectContaining({ lines: 5, imported: 2, skipped: 1, failed: 2, usersCreated: 2 }));
    expect(readReport(`${file}.errors.jsonl`).map((r) => [r.line, r.code])).toEqual([
      [3, 'ACTIVE_TOTP_EXISTS'],
      [4, 'INVALID_TOTP_PARAMETERS'],
      [6, 'DUPLICATE_TOTP_SECRET'],
    ]);
    const again = JSON.parse(await cli('import', '--project', pg.project.projectId, file, '--json'));
    expect(again).toEqual(expect.objectContaining({ imported: 0, skipped: 3, failed: 2, usersCreated: 0 }));
    const rows: Array<{ id: string; email: string }> = await pg.gateway.db.dataSource.query("SELECT id, email FROM users WHERE email LIKE 'pg-%' ORDER BY email");
    expect(rows.map((r) => r.email)).toEqual(['pg-a@example.com', 'pg-b@example.com']);
    for (const [row, s] of [
      [rows[0], a],
      [rows[1], b],
    ] as const) {
      expect((await pg.client.data(AuthenticateTotpDocument, { input: { userId: row.id, totpCode: totpCode(s) } })).authenticateTotp.userId).toBe(row.id);
    }
  });
});
