// probe
import { startGateway, type TestGateway } from '../support/gateway';

describe('probe', () => {
  let gw: TestGateway;
  beforeAll(async () => { gw = await startGateway({ env: { NODE_ENV: process.env.PROBE_ENV ?? 'test' } }); });
  afterAll(() => gw?.close());
  it('probes', async () => {
    const auth = gw.client.authorization!;
    const cases: Array<[string, string, RequestInit]> = [
      ['csrf GET', '/graphql?query={__typename}', { method: 'GET' }],
      ['GET mutation', '/graphql?query=mutation{deleteUser(userId:"x"){userId}}', { method: 'GET', headers: { 'apollo-require-preflight': '1', authorization: auth } }],
      ['POST {}', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{}' }],
      ['vars [1]', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"query":"{__typename}","variables":[1]}' }],
      ['POST []', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '[]' }],
      ['batch [q, {}]', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '[{"query":"{__typename}"},{}]' }],
      ['PQ', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}' }],
      ['PUT', '/graphql', { method: 'PUT', headers: { 'content-type': 'application/json', authorization: auth }, body: '{}' }],
      ['404', '/nope', { method: 'GET' }],
      ['text/plain', '/graphql', { method: 'POST', headers: { 'content-type': 'text/plain', authorization: auth }, body: '{"query":"{__typename}"}' }],
      ['xml', '/graphql', { method: 'POST', headers: { 'content-type': 'application/xml', authorization: auth }, body: '<a/>' }],
      ['latin1', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json; charset=iso-8859-1', authorization: auth }, body: '{"query":"{__typename}"}' }],
      ['proto', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"query":"{__typename}","variables":{"a":{"__proto__":{"x":1}}}}' }],
      ['enum', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ query: '{ user(userId: "u") @auth(requires: [SECRT]) { userId } }' }) }],
      ['field', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ query: '{ user(userId: "u") { userI } }' }) }],
      ['var input field', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ query: 'mutation($i: CreateUserInput!){ createUser(input: $i) { userId } }', variables: { i: { emial: 'a@b.c' } } }) }],
      ['missing req', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ query: 'mutation { createSession(input: {sessionDurationMinutes: 5}) { userId } }' }) }],
      ['empty', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '' }],
      ['bad json', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"query":' }],
      ['big', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"query":"' + 'a'.repeat(2_000_000) + '"}' }],
      ['ctx fail noauth', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Basic Zm9vOmJhcg==' }, body: '{"query":"{ user(userId: \\"x\\") { userId } }"}' }],
      ['rest 404', '/v1/nope', { method: 'GET' }],
      ['rest array code', '/v1/totps/authenticate', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"user_id":"user-00000000-0000-4000-8000-000000000000","totp_code":["123456"]}' }],
      ['rest latin1', '/v1/users', { method: 'POST', headers: { 'content-type': 'application/json; charset=iso-8859-1', authorization: auth }, body: '{"email":"a@b.co"}' }],
    ];
    for (const [name, path, init] of cases) {
      const r = await fetch(gw.url + path, init);
      const text = await r.text();
      console.log(name, r.status, r.headers.get('x-request-id'), r.headers.get('content-type'), text.slice(0, 400));
    }
  });
});
