// Threat: hostile or malformed input (any field, any type, any size, any encoding, any raw HTTP body) crashes the gateway, answers 5xx, pollutes prototypes or changes data: property-based fuzzing of every argument of every operation, and of raw HTTP.
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { describeEachDialect, startGateway, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';
import { RecoverTotpDocument } from '../../client';
import { seedFastCheck } from '../support/fast-check';

seedFastCheck();

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
const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('a', '9', 'é', '🔑', '\u0000', '-', ' ', '\ud800', '%'))
  .map(([n, c]) => c.repeat(Math.max(1, Math.floor(n / c.length))));
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 8 });
const controls = fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 8 });
const text: fc.Arbitrary<string> = fc.oneof(
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
const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: -10, max: 600_000 }),
  fc.constantFrom(0, -0, -1, 4, 5, 1440, 1441, 527040, 527041, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 0.5, 4.999, 5.0000001),
  fc.double(), // NaN and ±Infinity travel as null in JSON
);
const json = fc.jsonValue({ maxDepth: 3 });
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
const valueFor = (kind: 'string' | 'int' | 'object') =>
  fc.oneof(
    { arbitrary: kind === 'string' ? text : kind === 'int' ? number : jsonObject, weight: 8 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: kind === 'string' ? number : text, weight: 1 },
    { arbitrary: json, weight: 2 },
  );

/** Usually a valid value (so the fuzzed fields next to it are reached), sometimes a fuzzed one. */
const orValid = <T>(valid: fc.Arbitrary<T>, fuzzed: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: 3 }, { arbitrary: fuzzed, weight: 2 });

function nestObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The operations, reduced to their arguments (cheap selections: the fuzz is about input)
// ---------------------------------------------------------------------------------------------------

const DOCUMENTS = {
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
} as const;
type Operation = keyof typeof DOCUMENTS;
/** Bodies that are always sent (fast-check `examples`), then mixed into the random ones. */
const EDGE_BODIES: string[] = [
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

const ID_OPERATIONS = ['user', 'sessions', 'totpRecoveryCodes', 'regenerateTotpRecoveryCodes', 'deleteUser', 'unlockUser', 'deleteTotp'] as const;
const READ_OPERATIONS = new Set<Operation>(['user', 'sessions', 'totpRecoveryCodes']);

/** Errors that a well-formed but wrong guess earns: the attempt is counted (and audited) by design. */
const COUNTED = new Set(['UNABLE_TO_AUTHENTICATE_TOTP', 'UNABLE_TO_AUTHENTICATE_RECOVERY_CODE', 'TOTP_CODE_ALREADY_AUTHENTICATED', 'USER_LOCK_LIMIT_REACHED']);
/** Tables a counted attempt may add one row to (the audit trail). */
const AUDIT_TABLES = new Set(['auth_events']);

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly body: { data?: unknown; errors?: Array<{ message?: string; extensions?: { code?: string } }> } | undefined;
}

const short = (value: unknown) => {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s;
};

describeEachDialect('malformed input on %s', (dialect: Dialect) => {
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
   * one audit event). A request that succeeded moves the baseline.
   */
  async function judge(reply: Reply, sent: unknown): Promise<void> {
    const codes = (reply.body?.errors ?? []).map((e) => String(e.extensions?.code));
    const context = `sent ${short(sent)}\ngot ${reply.status} ${short(reply.text)}`;
    if (reply.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) {
      // The gateway logged the cause under the request id (masked for the client): name it in the failure.
      const requestIds = (reply.body?.errors ?? []).map((e) => (e.extensions as { requestId?: string } | undefined)?.requestId);
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
    const refused = reply.status !== 200 || codes.length > 0 || reply.body?.data == null;
    if (!refused) {
      baseline = await snapshot();
      auditEvents = await auditCount();
      return;
    }
    if (codes.some((c) => COUNTED.has(c))) {
      const events = await auditCount();
      if (events - auditEvents > 1) throw new Error(`a counted attempt wrote ${events - auditEvents} audit events\n${context}`);
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

  const runs = (n: number) => ({ numRuns: n });

  /** Where this test's log lines begin. */
  let logMark = 0;
  beforeEach(async () => {
    logMark = gw.logs().length;
    auditEvents = await auditCount();
    baseline = await snapshot();
  });

  const sessionFields = {
    sessionToken: valueFor('string'),
    sessionJwt: valueFor('string'),
    sessionDurationMinutes: valueFor('int'),
    sessionCustomClaims: valueFor('object'),
  };

  it('createUser: email, phoneNumber, name parts, externalId and both metadata objects', async () => {
    // Mostly a valid email, so the other fields get past validation and reach the database.
    const email = orValid(fc.oneof(fc.uuid().map((u) => `fuzz-${u}@example.com`), fc.emailAddress()), valueFor('string'));
    const input = fc.record(
      {
        email,
        phoneNumber: orValid(fc.integer({ min: 2_000_000_000, max: 9_999_999_999 }).map((n) => `+1${n}`), valueFor('string')),
        name: fc.oneof(
          fc.record({ firstName: valueFor('string'), middleName: valueFor('string'), lastName: valueFor('string') }, { requiredKeys: [] }),
          json,
        ),
        externalId: orValid(fc.uuid(), valueFor('string')),
        trustedMetadata: valueFor('object'),
        untrustedMetadata: valueFor('object'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => operation('createUser', { input: i })), {
      ...runs(100),
      examples: [
        [{ email: 'nul-name@example.com', name: { firstName: 'a\u0000b' } }],
        [{ email: 'nul-id@example.com', externalId: '\u0000' }],
        [{ email: '\ud800' }],
        [{ email: 'lone@example.com', name: { lastName: 'x\ud83d' }, untrustedMetadata: { '\u0000': '\udfff' } }],
      ],
    });
    await stillHealthy();
  });

  it('createTotp: userId and expirationMinutes', async () => {
    const userId = fc.oneof(valueFor('string'), fc.constantFrom(victim.userId, pendingUserId));
    const input = fc.record({ userId, expirationMinutes: valueFor('int') }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(input, (i) => operation('createTotp', { input: i })), runs(60));
    await stillHealthy();
  });

  it('authenticateTotp: userId, totpCode and the session fields', async () => {
    const input = fc.record(
      {
        userId: fc.oneof(valueFor('string'), fc.constant(victim.userId)),
        totpCode: fc.oneof(valueFor('string'), fc.stringMatching(/^\d{6}$/)),
        ...sessionFields,
      },
      { requiredKeys: ['userId', 'totpCode'] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => operation('authenticateTotp', { input: i })), runs(80));
    await stillHealthy();
  });

  it('recoverTotp: userId, recoveryCode and the session fields', async () => {
    const input = fc.record(
      {
        userId: fc.oneof(valueFor('string'), fc.constant(victim.userId)),
        recoveryCode: fc.oneof(valueFor('string'), fc.stringMatching(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/)),
        ...sessionFields,
      },
      { requiredKeys: ['userId', 'recoveryCode'] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => operation('recoverTotp', { input: i })), runs(60));
    await stillHealthy();
  });

  it('session fields of a well-formed guess reach the session checks (the victim, real or fuzzed session)', async () => {
    const input = fc.record(
      {
        sessionToken: fc.oneof(valueFor('string'), fc.constant(victim.sessionToken)),
        sessionJwt: fc.oneof(valueFor('string'), fc.constant(victim.sessionJwt)),
        sessionDurationMinutes: valueFor('int'),
        sessionCustomClaims: valueFor('object'),
      },
      { requiredKeys: [] },
    );
    const guess = fc.oneof(
      fc.constant({ op: 'authenticateTotp' as const, field: 'totpCode', code: '000000' }),
      fc.constant({ op: 'recoverTotp' as const, field: 'recoveryCode', code: '0000-0000-0000' }),
    );
    await fc.assert(
      fc.asyncProperty(guess, input, (g, i) => operation(g.op, { input: { userId: victim.userId, [g.field]: g.code, ...i } })),
      runs(50),
    );
    await stillHealthy();
  });

  it('authenticateSession: sessionToken, sessionJwt, sessionDurationMinutes and sessionCustomClaims', async () => {
    const input = fc.record(
      {
        sessionToken: fc.oneof(valueFor('string'), fc.constantFrom(victim.sessionToken, `${victim.sessionToken} `, victim.sessionToken.toUpperCase())),
        sessionJwt: fc.oneof(valueFor('string'), fc.constantFrom(victim.sessionJwt, `${victim.sessionJwt}x`, victim.sessionJwt.split('.').slice(0, 2).join('.') + '.')),
        sessionDurationMinutes: valueFor('int'),
        sessionCustomClaims: valueFor('object'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => operation('authenticateSession', { input: i })), runs(80));
    await stillHealthy();
  });

  it('revokeSession: sessionId, sessionToken and sessionJwt (never the real ones)', async () => {
    const input = fc.record({ sessionId: valueFor('string'), sessionToken: valueFor('string'), sessionJwt: valueFor('string') }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(input, (i) => operation('revokeSession', { input: i })), runs(60));
    await stillHealthy();
  });

  it('user, sessions, totpRecoveryCodes, regenerateTotpRecoveryCodes, deleteUser, unlockUser and deleteTotp: their id', async () => {
    const prefixed = fc.tuple(fc.constantFrom('user', 'totp', 'session', 'project', 'key', 'recovery'), fc.uuid()).map(([p, u]) => `${p}-${u}`);
    // Real ids go to the read operations only: a destructive one would legitimately delete the fixture.
    const real = () => fc.constantFrom(victim.userId, victim.totpId, victim.sessionId, pendingUserId, ` ${victim.userId}`, victim.userId.toUpperCase(), `${victim.userId}\n`);
    const call = fc.constantFrom(...ID_OPERATIONS).chain((op) =>
      fc.record({ op: fc.constant(op), id: READ_OPERATIONS.has(op) ? fc.oneof(valueFor('string'), prefixed, real()) : fc.oneof(valueFor('string'), prefixed) }),
    );
    await fc.assert(fc.asyncProperty(call, ({ op, id }) => operation(op, { id })), runs(100));
    await stillHealthy();
  });

  it('every operation: variables of the wrong JSON type, missing, extra or inlined as literals', async () => {
    const ops = Object.keys(DOCUMENTS) as Operation[];
    const variables = fc.oneof(
      json, // not even an object
      fc.record({ input: json, id: json }, { requiredKeys: [] }),
      fc.record({ input: fc.oneof(text, number, fc.array(json, { maxLength: 5 })), extra: json }),
      fc.dictionary(text.filter((k) => k.length < 50), json, { maxKeys: 4 }),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ops), variables, (op, v) => operation(op, v)), runs(80));

    // The same values written into the document: the GraphQL parser and literal coercion see them.
    const literal = fc.oneof(text.map((s) => JSON.stringify(s)), number.map((n) => String(n)), json.map((j) => JSON.stringify(j) ?? 'null'));
    const inlined = fc.tuple(fc.constantFrom('createUser', 'authenticateTotp', 'user', 'createTotp'), literal, literal).map(([op, a, b]) => {
      switch (op) {
        case 'createUser':
          return `mutation { createUser(input: { email: ${a}, trustedMetadata: ${b} }) { userId } }`;
        case 'authenticateTotp':
          return `mutation { authenticateTotp(input: { userId: ${JSON.stringify(victim.userId)}, totpCode: ${a}, sessionCustomClaims: ${b} }) { userId } }`;
        case 'createTotp':
          return `mutation { createTotp(input: { userId: ${a}, expirationMinutes: ${b} }) { totpId } }`;
        default:
          return `query { user(userId: ${a}) { userId } }`;
      }
    });
    await fc.assert(
      fc.asyncProperty(inlined, async (query) => {
        await judge(await send(JSON.stringify({ query })), { query });
      }),
      runs(60),
    );
    await stillHealthy();
  });

  // Exact reproductions of what the properties above and below found (each was a masked
  // INTERNAL_SERVER_ERROR, logged as "unexpected error"): one test per cause, so each fix shows.
  const deepObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const deepArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const variablesBody = (document: string, variables: string) => `{"query":${JSON.stringify(document)},"variables":${variables}}`;
  const findings: Array<[string, () => string]> = [
    ['createUser: trustedMetadata nested 10,000 objects deep', () => variablesBody(DOCUMENTS.createUser, `{"input":{"email":"deep1@example.com","trustedMetadata":${deepObjects(10_000)}}}`)],
    ['createUser: untrustedMetadata holding arrays nested 10,000 deep', () => variablesBody(DOCUMENTS.createUser, `{"input":{"email":"deep2@example.com","untrustedMetadata":{"a":${deepArrays(10_000)}}}}`)],
    [
      'authenticateSession: sessionCustomClaims nested 10,000 objects deep',
      () => variablesBody(DOCUMENTS.authenticateSession, `{"input":{"sessionToken":${JSON.stringify(victim.sessionToken)},"sessionCustomClaims":${deepObjects(10_000)}}}`),
    ],
    [
      'authenticateTotp: sessionCustomClaims nested 10,000 objects deep',
      () =>
        variablesBody(
          DOCUMENTS.authenticateTotp,
          `{"input":{"userId":${JSON.stringify(victim.userId)},"totpCode":"000000","sessionDurationMinutes":60,"sessionCustomClaims":${deepObjects(10_000)}}}`,
        ),
    ],
    ['createUser: an email that is a lone UTF-16 surrogate ("\\ud800")', () => variablesBody(DOCUMENTS.createUser, '{"input":{"email":"\\ud800"}}')],
    ['createUser: an email with a lone surrogate before the @', () => variablesBody(DOCUMENTS.createUser, '{"input":{"email":"a\\udc00@example.com"}}')],
    ['createUser: a NUL character in name.lastName (PostgreSQL text cannot hold NUL)', () => variablesBody(DOCUMENTS.createUser, '{"input":{"email":"nul1@example.com","name":{"lastName":"a\\u0000b"}}}')],
    ['createUser: a NUL character in externalId (PostgreSQL text cannot hold NUL)', () => variablesBody(DOCUMENTS.createUser, '{"input":{"email":"nul2@example.com","externalId":"a\\u0000b"}}')],
    ['a subscription operation (the schema has none)', () => JSON.stringify({ query: 'subscription { x }' })],
    ['an automatic persisted query whose sha256Hash does not match the query', () => JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '00' } } })],
  ];
  it.each(findings)('found by fuzzing: %s answers without an internal error', async (_label, build) => {
    const body = build();
    await judge(await send(body), body);
    await stillHealthy();
  });

  if (dialect !== 'sqlite') return;

  // Raw HTTP: the parsing layers (Fastify, Apollo, graphql-js) before any resolver. SQLite only: no
  // resolver runs, so the dialect does not matter.

  it('raw bodies: bad JSON, garbage arrays, wrong shapes, huge strings, empty bodies', async () => {
    const valid = JSON.stringify({ query: DOCUMENTS.user, variables: { id: victim.userId } });
    const mutate = fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ unit: 'binary', maxLength: 3 })).map(([at, cut, insert]) => {
      const i = at % valid.length;
      return valid.slice(0, i) + insert + valid.slice(i + cut);
    });
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'binary-ascii', maxLength: 200 }),
      mutate,
      json.map((j) => JSON.stringify(j)),
      fc.array(json, { minLength: 1, maxLength: 15 }).map((a) => JSON.stringify(a)),
      fc.array(fc.record({ query: valueFor('string'), variables: json, operationName: valueFor('string') }, { requiredKeys: [] }), { maxLength: 12 }).map((a) => JSON.stringify(a)),
      fc.record({ query: valueFor('string'), variables: json, operationName: valueFor('string'), extensions: json }, { requiredKeys: [] }).map((r) => JSON.stringify(r)),
      hugeString.map((s) => JSON.stringify({ query: s })),
      hugeString.map((s) => JSON.stringify({ query: DOCUMENTS.user, variables: { id: s } })),
      fc.integer({ min: 900_000, max: 1_200_000 }).map((n) => JSON.stringify({ query: 'a'.repeat(n) })),
      fc.constantFrom(...EDGE_BODIES),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        await judge(await send(b), b);
      }),
      // No shrinking: the examples are minimal already, and shrinking 100 KB bodies is slow.
      { ...runs(100), examples: EDGE_BODIES.map((b) => [b] as [string]), endOnFailure: true },
    );
    await stillHealthy();
  });

  it('raw requests: wrong content types, methods, paths and header values', async () => {
    const valid = JSON.stringify({ query: DOCUMENTS.user, variables: { id: victim.userId } });
    const contentType = fc.oneof(
      fc.constantFrom(
        'text/plain',
        'text/plain; charset=utf-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/graphql',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset=',
        'APPLICATION/JSON',
        'application/json, text/plain',
        'application/jsonx',
        'application/graphql-response+json',
        '*/*',
        '',
        ';',
        'application/octet-stream',
      ),
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }).map((s) => s.trim()),
    );
    // Every byte a client can put in a header (fetch refuses NUL, CR, LF and DEL itself).
    const headerByte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c));
    const headerValue = fc.string({ unit: headerByte, maxLength: 300 }).map((s) => s.trim());
    const request = fc.record({
      method: fc.constantFrom('POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
      path: fc.oneof(
        fc.constantFrom('/graphql', '/graphql/', '/GRAPHQL', '/graphql?query=%7B__typename%7D', '/graphql?query=mutation%7BdeleteUser(userId:%22x%22)%7BuserId%7D%7D', '/healthz', '/v1/sessions/jwks/x', '/v1/sessions/jwks/%00', '/%2e%2e/', '/'),
        fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `/graphql?query=${encodeURIComponent(s)}&variables=${encodeURIComponent(s)}`),
        fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `/v1/sessions/jwks/${encodeURIComponent(s)}`),
      ),
      contentType,
      authorization: fc.oneof(fc.constant(authorization), headerValue, headerValue.map((s) => `Basic ${s}`), fc.constant('Basic ' + Buffer.from(':').toString('base64'))),
      requestId: fc.oneof(fc.constant(undefined), headerValue),
      body: fc.oneof(fc.constant(valid), fc.string({ unit: 'binary', maxLength: 100 })),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const bodyless = r.method === 'GET' || r.method === 'HEAD';
        const headers: Record<string, string> = { 'content-type': r.contentType, authorization: r.authorization };
        if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
        const reply = await send(bodyless ? undefined : r.body, { method: r.method, path: r.path, headers });
        // Only /graphql speaks GraphQL; elsewhere a non-5xx status is the whole property.
        if (r.path.startsWith('/graphql')) await judge(reply, r);
        else if (reply.status >= 500) throw new Error(`server error\nsent ${short(r)}\ngot ${reply.status} ${short(reply.text)}`);
      }),
      runs(100),
    );
    await stillHealthy();
  });

  it('deep nesting: [[[...]]] and {"a":{"a":...}} as the body, in variables and inside the query', async () => {
    const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const graphqlObjects = (depth: number) => '{a:'.repeat(depth) + '1' + '}'.repeat(depth);
    const selections = (depth: number) => '{ user(userId: "x") '.concat('{ userId '.repeat(depth), '}'.repeat(depth + 1));
    const shapes: Array<(depth: number) => string> = [
      (d: number) => arrays(d),
      (d: number) => objects(d),
      (d: number) => `{"query":${JSON.stringify(DOCUMENTS.createUser)},"variables":{"input":{"email":"deep@example.com","trustedMetadata":${objects(d)}}}}`,
      (d: number) => `{"query":${JSON.stringify(DOCUMENTS.createUser)},"variables":{"input":{"email":"deep@example.com","untrustedMetadata":{"a":${arrays(d)}}}}}`,
      (d: number) =>
        `{"query":${JSON.stringify(DOCUMENTS.authenticateSession)},"variables":{"input":{"sessionToken":${JSON.stringify(victim.sessionToken)},"sessionCustomClaims":${objects(d)}}}}`,
      (d: number) => `{"query":${JSON.stringify(DOCUMENTS.user)},"variables":{"id":${arrays(d)}}}`,
      (d: number) => `{"query":"{ __typename }","variables":${objects(d)}}`,
      (d: number) => `{"query":"{ __typename }","extensions":${objects(d)}}`,
      (d: number) => JSON.stringify({ query: `mutation { createUser(input: { email: "deep@example.com", trustedMetadata: ${graphqlObjects(d)} }) { userId } }` }),
      (d: number) => JSON.stringify({ query: selections(d) }),
      (d: number) => JSON.stringify({ query: '{'.repeat(d) }),
      (d: number) => JSON.stringify({ query: `query ${'($a: [' + '['.repeat(d) + 'Int' + ']'.repeat(d) + ']) { __typename }'}` }),
    ];
    const depth = fc.oneof(fc.constantFrom(1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000, 180_000), fc.integer({ min: 1, max: 200_000 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...shapes), depth, async (build, d) => {
        const body = build(d);
        await judge(await send(body), body);
      }),
      // Every shape at least once, 10,000 deep (about 60 KB: far below the body limit).
      { ...runs(50), examples: shapes.map((build) => [build, 10_000] as [(depth: number) => string, number]) },
    );
    await stillHealthy();
  });
});
