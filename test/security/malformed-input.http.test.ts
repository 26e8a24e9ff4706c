// Threat: hostile raw HTTP (bad JSON, garbage batches, wrong content types, methods, paths, headers, deep nesting) crashes the gateway, answers 5xx or changes data in the parsing layers (Fastify, Apollo, graphql-js) before any resolver.
import fc from 'fast-check';
import { seedFastCheck } from '../support/fast-check';
import { DOCUMENTS, EDGE_BODIES, hugeString, json, malformedHarness, runs, short, valueFor } from '../support/malformed';

seedFastCheck();

// SQLite only: no resolver runs, so the dialect does not matter.
describe('malformed raw HTTP', () => {
  const h = malformedHarness('sqlite');

  it('raw bodies: bad JSON, garbage arrays, wrong shapes, huge strings, empty bodies', async () => {
    const valid = JSON.stringify({ query: DOCUMENTS.user, variables: { id: h.victim.userId } });
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
        await h.judge(await h.send(b), b);
      }),
      // No shrinking: the examples are minimal already, and shrinking 100 KB bodies is slow.
      { ...runs(100), examples: EDGE_BODIES.map((b) => [b] as [string]), endOnFailure: true },
    );
    await h.stillHealthy();
  });

  it('raw requests: wrong content types, methods, paths and header values', async () => {
    const valid = JSON.stringify({ query: DOCUMENTS.user, variables: { id: h.victim.userId } });
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
      authorization: fc.oneof(fc.constant(h.authorization), headerValue, headerValue.map((s) => `Basic ${s}`), fc.constant('Basic ' + Buffer.from(':').toString('base64'))),
      requestId: fc.oneof(fc.constant(undefined), headerValue),
      body: fc.oneof(fc.constant(valid), fc.string({ unit: 'binary', maxLength: 100 })),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const bodyless = r.method === 'GET' || r.method === 'HEAD';
        const headers: Record<string, string> = { 'content-type': r.contentType, authorization: r.authorization };
        if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
        const reply = await h.send(bodyless ? undefined : r.body, { method: r.method, path: r.path, headers });
        // Only /graphql speaks GraphQL; elsewhere a non-5xx status is the whole property.
        if (r.path.startsWith('/graphql')) await h.judge(reply, r);
        else if (reply.status >= 500) throw new Error(`server error\nsent ${short(r)}\ngot ${reply.status} ${short(reply.text)}`);
      }),
      runs(100),
    );
    await h.stillHealthy();
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
        `{"query":${JSON.stringify(DOCUMENTS.authenticateSession)},"variables":{"input":{"sessionToken":${JSON.stringify(h.victim.sessionToken)},"sessionCustomClaims":${objects(d)}}}}`,
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
        await h.judge(await h.send(body), body);
      }),
      // Every shape at least once, 10,000 deep (about 60 KB: far below the body limit).
      { ...runs(50), examples: shapes.map((build) => [build, 10_000] as [(depth: number) => string, number]) },
    );
    await h.stillHealthy();
  });
});
