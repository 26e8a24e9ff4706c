// The malformed-input harness shared by the malformed-input.*.test.ts files: the arbitraries (hostile
// strings, numbers, JSON, bodies), the operations, and a gateway whose every answer is judged (no 5xx,
// no masked internal error, a refused request changes no row), per operation of a batch too.
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { startGateway, type Dialect, type Enrollment, type TestGateway } from './gateway';
import { RecoverTotpDocument } from '../../client';

// ---------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------

const uuid = () => randomUUID();
/** Strings that have broken parsers, validators, drivers and log lines before. */
const edgeStrings = fc.constantFrom(
  '',
  ' ',
  '\t\r\n',
  '\u0000',
  'a\u0000b',
  '123456\u0000',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ud83dx',
  '\ufeff',
  '\u202e123456',
  '\u2028\u2029',
  '\uffff\ufffe',
  '\u{10ffff}',
  '👨‍👩‍👧‍👦',
  'e\u0301',
  'İı',
  'ß',
  'ﬃ',
  '١٢٣٤٥٦',
  '１２３４５６',
  '12345６',
  '123456\n',
  ' 123456',
  '+123456',
  '-12345',
  '1e5',
  '0x1234',
  'ABCD-EFGH-IJKL',
  ' abcd-efgh-ijkl\n',
  'abcd-efgh-ijk\u0131',
  'null',
  'undefined',
  'NaN',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '{}',
  '[]',
  '"',
  '\\',
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  '%s%n%x',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  'user-',
  'user-00000000-0000-0000-0000-000000000000',
  `USER-${uuid()}`,
  `user-${uuid()} `,
  `user-${uuid()}\u0000`,
  `user-${uuid().toUpperCase()}`,
  `totp-${uuid()}`,
  `session-${uuid()}`,
  `project-${uuid()}`,
  'a@b',
  'a@b.c',
  'x@example.com\u0000@evil.com',
  'ɑdmin@exаmple.com',
  '+15555550123',
  '+1555555012३',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo',
  'a.b.c',
  '....',
);
/** Up to ~100 KB (in UTF-16 units; up to 200 KB of UTF-8 for astral characters). */
export const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('a', '9', 'é', '🔑', '\u0000', '-', ' ', '\ud800', '%'))
  .map(([n, c]) => c.repeat(Math.max(1, Math.floor(n / c.length))));
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 8 });
const controls = fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 8 });
export const text: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 64 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 32 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 16 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 64 }), weight: 2 },
  { arbitrary: edgeStrings, weight: 5 },
  { arbitrary: loneSurrogates, weight: 1 },
  { arbitrary: controls, weight: 1 },
  // NUL inside otherwise ordinary text: PostgreSQL text columns cannot hold it.
  { arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`), weight: 1 },
  { arbitrary: fc.stringMatching(/^\d{1,8}$/), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
);
export const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: -10, max: 600_000 }),
  fc.constantFrom(0, -0, -1, 4, 5, 1440, 1441, 527040, 527041, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 0.5, 4.999, 5.0000001),
  fc.double(), // NaN and ±Infinity travel as null in JSON
);
export const json = fc.jsonValue({ maxDepth: 3 });
/** A JSON object, sometimes with the keys a prototype-pollution or claims check must survive. */
const jsonObject = fc.oneof(
  fc.dictionary(text.filter((k) => k.length < 200), json, { maxKeys: 6 }),
  fc.constantFrom<Record<string, unknown>>(
    JSON.parse('{"__proto__":{"polluted":"yes"}}'),
    { constructor: { prototype: { polluted: 'yes' } } },
    { iss: 'x' },
    { sub: 'user-x', exp: 1 },
    { 'https://stytch.com/session': {} },
    { 'https://stytch.com/anything': 1 },
    { 'HTTPS://STYTCH.COM/session': 1 },
    { '': '' },
    { a: 'x'.repeat(4100) },
    { a: 'é'.repeat(2100) },
    Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
    { toJSON: 'not a function' },
  ),
  fc.integer({ min: 1, max: 2000 }).map((depth) => nestObject(depth)),
);
/** A value for a field of GraphQL type `kind`, usually of that type, sometimes of any other. */
export const valueFor = (kind: 'string' | 'int' | 'object') =>
  fc.oneof(
    { arbitrary: kind === 'string' ? text : kind === 'int' ? number : jsonObject, weight: 8 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: kind === 'string' ? number : text, weight: 1 },
    { arbitrary: json, weight: 2 },
  );

/** Usually a valid value (so the fuzzed fields next to it are reached), sometimes a fuzzed one. */
export const orValid = <T>(valid: fc.Arbitrary<T>, fuzzed: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: 3 }, { arbitrary: fuzzed, weight: 2 });

function nestObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The operations, reduced to their arguments (cheap selections: the fuzz is about input)
// ---------------------------------------------------------------------------------------------------

export const DOCUMENTS = {
  createUser: 'mutation($input: CreateUserInput!) { createUser(input: $input) { userId } }',
  createTotp: 'mutation($input: CreateTotpInput!) { createTotp(input: $input) { totpId } }',
  authenticateTotp: 'mutation($input: AuthenticateTotpInput!) { authenticateTotp(input: $input) { userId sessionToken } }',
  recoverTotp: 'mutation($input: RecoverTotpInput!) { recoverTotp(input: $input) { userId sessionToken } }',
  authenticateSession: 'mutation($input: AuthenticateSessionInput!) { authenticateSession(input: $input) { session { sessionId } } }',
  revokeSession: 'mutation($input: RevokeSessionInput!) { revokeSession(input: $input) { sessionId } }',
  user: 'query($id: ID!) { user(userId: $id) { userId } }',
  sessions: 'query($id: ID!) { sessions(userId: $id) { sessionId } }',
  totpRecoveryCodes: 'query($id: ID!) { totpRecoveryCodes(userId: $id) { remaining } }',
  regenerateTotpRecoveryCodes: 'mutation($id: ID!) { regenerateTotpRecoveryCodes(userId: $id) { remaining } }',
  deleteUser: 'mutation($id: ID!) { deleteUser(userId: $id) { userId } }',
  unlockUser: 'mutation($id: ID!) { unlockUser(userId: $id) { userId } }',
  deleteTotp: 'mutation($id: ID!) { deleteTotp(totpId: $id) { totpId } }',
  users: 'query($filter: UserFilter, $first: Int, $after: String) { users(filter: $filter, first: $first, after: $after) { nodes { userId } pageInfo { endCursor } } }',
  updateUser: 'mutation($input: UpdateUserInput!) { updateUser(input: $input) { userId } }',
  importTotp: 'mutation($input: ImportTotpInput!) { importTotp(input: $input) { totpId recoveryCodes } }',
} as const;
export type Operation = keyof typeof DOCUMENTS;
/** Bodies that are always sent (fast-check `examples`), then mixed into the random ones. */
export const EDGE_BODIES: string[] = [
  '',
  ' ',
  'null',
  'true',
  '0',
  '""',
  '[]',
  '{}',
  '[{}]',
  '[null]',
  '{"query":null}',
  '{"query":123}',
  '{"query":{}}',
  '{"query":""}',
  '{"query":"{"}',
  '{"query":"{ __typename }","variables":"x"}',
  '{"query":"{ __typename }","variables":[]}',
  '{"query":"{ __typename }","operationName":5}',
  '{"query":"{ __typename }","operationName":"Nope"}',
  '{"query":"query A { __typename } query A { __typename }"}',
  '{"query":"query A { __typename } query B { __typename }"}',
  '{"query":"subscription { x }"}',
  '{"query":"{ __schema { types { name } } }"}',
  '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}',
  '{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}',
  '{"__proto__":{"polluted":"yes"},"query":"{ __typename }"}',
  '{"constructor":{"prototype":{"polluted":"yes"}},"query":"{ __typename }"}',
  '{"query":"{ __typename }"}{"query":"{ __typename }"}',
  '\ufeff{"query":"{ __typename }"}',
  '{"query":"{ __typename }"',
  '{"query":"\\ud800"}',
  '{"query":"\u0000"}',
  '\u0000',
  '[' + '{"query":"{ __typename }"},'.repeat(20) + '{}]',
  JSON.stringify(Array.from({ length: 5000 }, () => 0)),
];

export const ID_OPERATIONS = ['user', 'sessions', 'totpRecoveryCodes', 'regenerateTotpRecoveryCodes', 'deleteUser', 'unlockUser', 'deleteTotp'] as const;
export const READ_OPERATIONS = new Set<Operation>(['user', 'sessions', 'totpRecoveryCodes']);

/** Errors that a well-formed but wrong guess earns: the attempt is counted (and audited) by design. */
const COUNTED = new Set(['UNABLE_TO_AUTHENTICATE_TOTP', 'UNABLE_TO_AUTHENTICATE_RECOVERY_CODE', 'TOTP_CODE_ALREADY_AUTHENTICATED', 'USER_LOCK_LIMIT_REACHED']);
/** Tables a counted attempt may add one row to (the audit trail). */
const AUDIT_TABLES = new Set(['auth_events']);

/** One GraphQL result: a single operation's body, or one element of a batch's array. */
interface ReplyBody {
  data?: unknown;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

interface Reply {
  readonly status: number;
  readonly text: string;
  /** Parsed JSON: a ReplyBody, or for a batch an array of them (undefined when not JSON). */
  readonly body: ReplyBody | ReplyBody[] | undefined;
}

/** fast-check parameters for `n` runs. */
export const runs = (n: number) => ({ numRuns: n });

export const short = (value: unknown) => {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s;
};

export interface MalformedHarness {
  readonly gw: TestGateway;
  /** A verified user with a live session: the data every refused request must leave alone. */
  readonly victim: Enrollment & { sessionId: string; sessionToken: string; sessionJwt: string };
  /** A user without a TOTP (createTotp may legitimately succeed on it). */
  readonly pendingUserId: string;
  /** The project's Basic credentials. */
  readonly authorization: string;
  send(body: string | undefined, init?: { method?: string; headers?: Record<string, string>; path?: string }): Promise<Reply>;
  /** Throws unless `reply` holds the property (see the function's comment). */
  judge(reply: Reply, sent: unknown): Promise<void>;
  /** Sends one operation with `variables` and judges the answer. */
  operation(name: Operation, variables: unknown): Promise<void>;
  /** After every property: the server still answers, nothing was logged as unexpected, no prototype polluted. */
  stillHealthy(): Promise<void>;
}

/** Starts a gateway on `dialect` for the enclosing describe (its hooks) and returns the harness around it. */
export function malformedHarness(dialect: Dialect): MalformedHarness {
  let gw: TestGateway;
  let tables: string[];
  /** A verified user with a live session: the data every refused request must leave alone. */
  let victim: Enrollment & { sessionId: string; sessionToken: string; sessionJwt: string };
  /** A user without a TOTP (createTotp may legitimately succeed on it). */
  let pendingUserId: string;
  let authorization: string;
  let baseline: string;
  let auditEvents = 0;

  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOG_LEVEL: 'warn', LOCKOUT_MAX_ATTEMPTS: '100' } });
    authorization = gw.client.authorization!;
    const enrolled = await gw.enroll({ verify: true });
    const { recoverTotp } = await gw.client.data(RecoverTotpDocument, {
      input: { userId: enrolled.userId, recoveryCode: enrolled.recoveryCodes[0], sessionDurationMinutes: 600 },
    });
    victim = { ...enrolled, sessionId: recoverTotp.session!.sessionId, sessionToken: recoverTotp.sessionToken!, sessionJwt: recoverTotp.sessionJwt! };
    pendingUserId = await gw.createUser();
    const listed: Array<{ name: string }> =
      dialect === 'sqlite'
        ? await gw.gateway.db.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        : await gw.gateway.db.dataSource.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'");
    tables = listed.map((t) => t.name).sort();
    expect(tables).toEqual(expect.arrayContaining(['users', 'totps', 'sessions', 'totp_recovery_codes', 'projects']));
    baseline = await snapshot();
  });
  afterAll(() => gw?.close());

  /** Row counts of every table, and every row of the two fixture users (cheap: a handful of queries). */
  async function snapshot(options: { counted?: boolean } = {}): Promise<string> {
    const q = (sql: string, params: unknown[] = []) => gw.gateway.db.dataSource.query(sql, params) as Promise<Array<Record<string, unknown>>>;
    const p = (i: number) => (dialect === 'postgres' ? `$${i}` : '?');
    const counts = await q(tables.map((t) => `SELECT '${t}' AS t, COUNT(*) AS n FROM "${t}"`).join(' UNION ALL '));
    const ids = [victim.userId, pendingUserId];
    const inIds = `(${p(1)}, ${p(2)})`;
    const users = await q(`SELECT * FROM users WHERE id IN ${inIds} ORDER BY id`, ids);
    const totps = await q(`SELECT * FROM totps WHERE user_id IN ${inIds} ORDER BY id`, ids);
    const sessions = await q(`SELECT * FROM sessions WHERE user_id IN ${inIds} ORDER BY id`, ids);
    const codes = await q(
      `SELECT c.* FROM totp_recovery_codes c JOIN totps t ON t.id = c.totp_id WHERE t.user_id IN ${inIds} ORDER BY c.id`,
      ids,
    );
    return JSON.stringify({
      // A counted attempt may spend the victim's budget and add one audit event: compared apart.
      counts: counts
        .map((r) => [r.t, Number(r.n)] as const)
        .filter(([t]) => !(options.counted && AUDIT_TABLES.has(String(t))))
        .sort(),
      users: users.map((u) => (options.counted ? { ...u, failed_attempts: undefined, locked_until: undefined } : u)),
      totps,
      sessions,
      codes,
    });
  }

  async function auditCount(): Promise<number> {
    let n = 0;
    for (const t of tables.filter((name) => AUDIT_TABLES.has(name))) {
      const [row] = await gw.gateway.db.dataSource.query(`SELECT COUNT(*) AS n FROM "${t}"`);
      n += Number(row.n);
    }
    return n;
  }

  async function send(body: string | undefined, init: { method?: string; headers?: Record<string, string>; path?: string } = {}): Promise<Reply> {
    const response = await fetch(`${gw.url}${init.path ?? '/graphql'}`, {
      method: init.method ?? 'POST',
      headers: { authorization, 'content-type': 'application/json', ...init.headers },
      body,
    });
    const text = await response.text();
    let parsed: Reply['body'];
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, text, body: parsed };
  }

  /**
   * The property every request must hold: no 5xx, no masked internal error, and, when it was
   * refused, no row changed (a counted guess may change only the victim's attempt budget and add
   * one audit event). A batch (a JSON array body) answers an array: each operation's errors are
   * judged as a single operation's are. A request of which any operation succeeded moves the baseline.
   */
  async function judge(reply: Reply, sent: unknown): Promise<void> {
    const results = Array.isArray(reply.body) ? (reply.body as Array<ReplyBody | null>) : [reply.body];
    const errors = results.flatMap((r) => r?.errors ?? []);
    const codes = errors.map((e) => String(e.extensions?.code));
    const context = `sent ${short(sent)}\ngot ${reply.status} ${short(reply.text)}`;
    if (reply.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) {
      // The gateway logged the cause under the request id (masked for the client): name it in the failure.
      const requestIds = errors.map((e) => (e.extensions as { requestId?: string } | undefined)?.requestId);
      const logged = gw
        .logs()
        .split('\n')
        .filter((l) => l.includes('unexpected error'))
        .map((l) => JSON.parse(l) as { requestId?: string; err?: { type?: string; message?: string; code?: string; stack?: string } })
        .filter((l) => requestIds.includes(l.requestId));
      const frames = (stack = '') => [...new Set(stack.split('\n').slice(1).map((f) => f.trim().replace(/^at /, '').replace(/\(.*node_modules\//, '(')))].slice(0, 6).join(' < ');
      const cause = logged.map((l) => `${l.err?.type}: ${short(l.err?.message)}${l.err?.code ? ` (${l.err.code})` : ''} at ${frames(l.err?.stack)}`).pop();
      throw new Error(`server error\n${context}\nlogged cause: ${cause ?? 'none'}`);
    }
    const succeeded = reply.status === 200 && results.some((r) => r?.data != null && !r.errors?.length);
    if (succeeded) {
      baseline = await snapshot();
      auditEvents = await auditCount();
      return;
    }
    if (codes.some((c) => COUNTED.has(c))) {
      const events = await auditCount();
      // One counted guess per operation at most.
      if (events - auditEvents > results.length) throw new Error(`${results.length} counted attempt(s) wrote ${events - auditEvents} audit events\n${context}`);
      auditEvents = events;
      const after = await snapshot({ counted: true });
      const expected = countedView(baseline);
      if (after !== expected) throw new Error(`a refused request changed rows\n${context}\nbefore ${expected}\nafter  ${after}`);
      baseline = await snapshot();
      return;
    }
    const after = await snapshot();
    if (after !== baseline) throw new Error(`a refused request changed rows\n${context}\nbefore ${baseline}\nafter  ${after}`);
  }

  /** A full snapshot as `snapshot({ counted: true })` renders it. */
  function countedView(full: string): string {
    const parsed = JSON.parse(full) as { counts: Array<[string, number]>; users: Array<Record<string, unknown>> };
    return JSON.stringify({
      ...parsed,
      counts: parsed.counts.filter(([t]) => !AUDIT_TABLES.has(t)),
      users: parsed.users.map((u) => ({ ...u, failed_attempts: undefined, locked_until: undefined })),
    });
  }

  async function operation(name: Operation, variables: unknown): Promise<void> {
    const sent = { query: DOCUMENTS[name], variables };
    await judge(await send(JSON.stringify(sent)), sent);
  }

  /** After every property: the server still answers, nothing was logged as unexpected, no prototype polluted. */
  async function stillHealthy(): Promise<void> {
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    const unexpected = gw.logs().slice(logMark).split('\n').filter((l) => l.includes('unexpected error'));
    expect(unexpected).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  }

  /** Where this test's log lines begin. */
  let logMark = 0;
  beforeEach(async () => {
    logMark = gw.logs().length;
    auditEvents = await auditCount();
    baseline = await snapshot();
  });

  return {
    get gw() {
      return gw;
    },
    get victim() {
      return victim;
    },
    get pendingUserId() {
      return pendingUserId;
    },
    get authorization() {
      return authorization;
    },
    send,
    judge,
    operation,
    stillHealthy,
  };
}
