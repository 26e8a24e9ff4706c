// Threat: hostile or malformed GraphQL arguments (any field, any type, any size, any encoding) crash the gateway, answer 5xx, pollute prototypes or change data: property-based fuzzing of every argument of every operation, alone and in batches.
import fc from 'fast-check';
import { describeEachDialect, type Dialect } from '../support/gateway';
import { seedFastCheck } from '../support/fast-check';
import { DOCUMENTS, ID_OPERATIONS, READ_OPERATIONS, json, malformedHarness, number, orValid, runs, text, valueFor, type Operation } from '../support/malformed';

seedFastCheck();

describeEachDialect('malformed GraphQL arguments on %s', (dialect: Dialect) => {
  const h = malformedHarness(dialect);

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
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('createUser', { input: i })), {
      ...runs(100),
      examples: [
        [{ email: 'nul-name@example.com', name: { firstName: 'a\u0000b' } }],
        [{ email: 'nul-id@example.com', externalId: '\u0000' }],
        [{ email: '\ud800' }],
        [{ email: 'lone@example.com', name: { lastName: 'x\ud83d' }, untrustedMetadata: { '\u0000': '\udfff' } }],
      ],
    });
    await h.stillHealthy();
  });

  it('createTotp: userId and expirationMinutes', async () => {
    const userId = fc.oneof(valueFor('string'), fc.constantFrom(h.victim.userId, h.pendingUserId));
    const input = fc.record({ userId, expirationMinutes: valueFor('int') }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('createTotp', { input: i })), runs(60));
    await h.stillHealthy();
  });

  it('authenticateTotp: userId, totpCode and the session fields', async () => {
    const input = fc.record(
      {
        userId: fc.oneof(valueFor('string'), fc.constant(h.victim.userId)),
        totpCode: fc.oneof(valueFor('string'), fc.stringMatching(/^\d{6}$/)),
        ...sessionFields,
      },
      { requiredKeys: ['userId', 'totpCode'] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('authenticateTotp', { input: i })), runs(80));
    await h.stillHealthy();
  });

  it('recoverTotp: userId, recoveryCode and the session fields', async () => {
    const input = fc.record(
      {
        userId: fc.oneof(valueFor('string'), fc.constant(h.victim.userId)),
        recoveryCode: fc.oneof(valueFor('string'), fc.stringMatching(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/)),
        ...sessionFields,
      },
      { requiredKeys: ['userId', 'recoveryCode'] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('recoverTotp', { input: i })), runs(60));
    await h.stillHealthy();
  });

  it('session fields of a well-formed guess reach the session checks (the h.victim, real or fuzzed session)', async () => {
    const input = fc.record(
      {
        sessionToken: fc.oneof(valueFor('string'), fc.constant(h.victim.sessionToken)),
        sessionJwt: fc.oneof(valueFor('string'), fc.constant(h.victim.sessionJwt)),
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
      fc.asyncProperty(guess, input, (g, i) => h.operation(g.op, { input: { userId: h.victim.userId, [g.field]: g.code, ...i } })),
      runs(50),
    );
    await h.stillHealthy();
  });

  it('authenticateSession: sessionToken, sessionJwt, sessionDurationMinutes and sessionCustomClaims', async () => {
    const input = fc.record(
      {
        sessionToken: fc.oneof(valueFor('string'), fc.constantFrom(h.victim.sessionToken, `${h.victim.sessionToken} `, h.victim.sessionToken.toUpperCase())),
        sessionJwt: fc.oneof(valueFor('string'), fc.constantFrom(h.victim.sessionJwt, `${h.victim.sessionJwt}x`, h.victim.sessionJwt.split('.').slice(0, 2).join('.') + '.')),
        sessionDurationMinutes: valueFor('int'),
        sessionCustomClaims: valueFor('object'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('authenticateSession', { input: i })), runs(80));
    await h.stillHealthy();
  });

  it('revokeSession: sessionId, sessionToken and sessionJwt (never the real ones)', async () => {
    const input = fc.record({ sessionId: valueFor('string'), sessionToken: valueFor('string'), sessionJwt: valueFor('string') }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('revokeSession', { input: i })), runs(60));
    await h.stillHealthy();
  });

  it('user, sessions, totpRecoveryCodes, regenerateTotpRecoveryCodes, deleteUser, unlockUser and deleteTotp: their id', async () => {
    const prefixed = fc.tuple(fc.constantFrom('user', 'totp', 'session', 'project', 'key', 'recovery'), fc.uuid()).map(([p, u]) => `${p}-${u}`);
    // Real ids go to the read operations only: a destructive one would legitimately delete the fixture.
    const real = () => fc.constantFrom(h.victim.userId, h.victim.totpId, h.victim.sessionId, h.pendingUserId, ` ${h.victim.userId}`, h.victim.userId.toUpperCase(), `${h.victim.userId}\n`);
    const call = fc.constantFrom(...ID_OPERATIONS).chain((op) =>
      fc.record({ op: fc.constant(op), id: READ_OPERATIONS.has(op) ? fc.oneof(valueFor('string'), prefixed, real()) : fc.oneof(valueFor('string'), prefixed) }),
    );
    await fc.assert(fc.asyncProperty(call, ({ op, id }) => h.operation(op, { id })), runs(100));
    await h.stillHealthy();
  });

  it('every operation: variables of the wrong JSON type, missing, extra or inlined as literals', async () => {
    const ops = Object.keys(DOCUMENTS) as Operation[];
    const variables = fc.oneof(
      json, // not even an object
      fc.record({ input: json, id: json }, { requiredKeys: [] }),
      fc.record({ input: fc.oneof(text, number, fc.array(json, { maxLength: 5 })), extra: json }),
      fc.dictionary(text.filter((k) => k.length < 50), json, { maxKeys: 4 }),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ops), variables, (op, v) => h.operation(op, v)), runs(80));

    // The same values written into the document: the GraphQL parser and literal coercion see them.
    const literal = fc.oneof(text.map((s) => JSON.stringify(s)), number.map((n) => String(n)), json.map((j) => JSON.stringify(j) ?? 'null'));
    const inlined = fc.tuple(fc.constantFrom('createUser', 'authenticateTotp', 'user', 'createTotp'), literal, literal).map(([op, a, b]) => {
      switch (op) {
        case 'createUser':
          return `mutation { createUser(input: { email: ${a}, trustedMetadata: ${b} }) { userId } }`;
        case 'authenticateTotp':
          return `mutation { authenticateTotp(input: { userId: ${JSON.stringify(h.victim.userId)}, totpCode: ${a}, sessionCustomClaims: ${b} }) { userId } }`;
        case 'createTotp':
          return `mutation { createTotp(input: { userId: ${a}, expirationMinutes: ${b} }) { totpId } }`;
        default:
          return `query { user(userId: ${a}) { userId } }`;
      }
    });
    await fc.assert(
      fc.asyncProperty(inlined, async (query) => {
        await h.judge(await h.send(JSON.stringify({ query })), { query });
      }),
      runs(60),
    );
    await h.stillHealthy();
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
      () => variablesBody(DOCUMENTS.authenticateSession, `{"input":{"sessionToken":${JSON.stringify(h.victim.sessionToken)},"sessionCustomClaims":${deepObjects(10_000)}}}`),
    ],
    [
      'authenticateTotp: sessionCustomClaims nested 10,000 objects deep',
      () =>
        variablesBody(
          DOCUMENTS.authenticateTotp,
          `{"input":{"userId":${JSON.stringify(h.victim.userId)},"totpCode":"000000","sessionDurationMinutes":60,"sessionCustomClaims":${deepObjects(10_000)}}}`,
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
    await h.judge(await h.send(body), body);
    await h.stillHealthy();
  });

  // The same bodies as operations of a batch (a JSON array), between operations that reach a resolver
  // and succeed: each operation's answer is judged, not only the batch's status.
  it.each(findings)('found by fuzzing, in a batch beside good operations: %s answers without an internal error', async (_label, build) => {
    const read = JSON.stringify({ query: DOCUMENTS.user, variables: { id: h.victim.userId } });
    const body = `[{"query":"{ __typename }"},${build()},${read}]`;
    await h.judge(await h.send(body), body);
    await h.stillHealthy();
  });
});
