// CORS on /graphql answers only origins a project allows, never with credentials; a session caller's Origin must be one its own project allows.
import { CreateSessionDocument, MeDocument } from '../../client';
import { describeEachDialect, codes, sessionClient, startGateway, type TestGateway } from '../support/gateway';

const ALLOWED = 'http://127.0.0.1:5173';
const OTHER = 'https://evil.example';

type GraphQLBody = Parameters<typeof codes>[0];

describeEachDialect('CORS on %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
    await gw.gateway.services.projects.addOrigin(gw.project.projectId, ALLOWED);
  });
  afterAll(() => gw.close());

  const preflight = (origin: string) =>
    fetch(`${gw.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization, x-public-token' },
    });

  async function sessionToken(): Promise<{ userId: string; token: string }> {
    const userId = await gw.createUser();
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    return { userId, token: createSession.sessionToken };
  }

  it('answers a preflight from an allowed origin, without credentials', async () => {
    const response = await preflight(ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'authorization', 'x-public-token']));
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('gives a preflight from any other origin no CORS headers', async () => {
    for (const origin of [OTHER, 'http://127.0.0.1:5174', 'null']) {
      const response = await preflight(origin);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-methods')).toBeNull();
    }
  });

  it('lets the allowed origin read a session caller\'s answer, errors included', async () => {
    const { userId, token } = await sessionToken();
    const page = sessionClient(gw.client, gw.project.publicToken, token, ALLOWED);
    const ok = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ALLOWED, 'x-public-token': gw.project.publicToken, authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { userId } }' }),
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(((await ok.json()) as { data: { me: { userId: string } } }).data.me.userId).toBe(userId);
    // An expired or revoked session still gets a readable UNAUTHORIZED_CREDENTIALS, so the page can sign in again.
    const stale = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ALLOWED, 'x-public-token': gw.project.publicToken, authorization: 'Bearer revoked-or-unknown' },
      body: JSON.stringify({ query: '{ me { userId } }' }),
    });
    expect(stale.status).toBe(401);
    expect(stale.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(codes((await stale.json()) as GraphQLBody)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect((await page.data(MeDocument, {})).me.userId).toBe(userId);
  });

  it('refuses a session caller from an origin its project does not allow, even with a valid session', async () => {
    const { token } = await sessionToken();
    const other = await gw.newProject();
    await gw.gateway.services.projects.addOrigin(other.projectId, OTHER);
    // OTHER is allowed, but for another project: it cannot ride this project's session.
    for (const origin of [OTHER, 'http://localhost:5173']) {
      const response = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, 'x-public-token': gw.project.publicToken, authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { userId } }' }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(codes((await response.json()) as GraphQLBody)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    }
  });

  it('stops answering an origin at once when it is removed', async () => {
    const { token } = await sessionToken();
    const origin = 'https://app.example.com';
    expect(await gw.gateway.services.projects.addOrigin(gw.project.projectId, 'https://App.example.com:443/')).toBe(origin);
    const page = sessionClient(gw.client, gw.project.publicToken, token, origin);
    expect(codes(await page.request(MeDocument, {}))).toEqual([]);
    expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBe(origin);
    await gw.gateway.services.projects.removeOrigin(gw.project.projectId, origin);
    expect(codes(await page.request(MeDocument, {}))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses malformed origins when they are added', async () => {
    for (const bad of ['ftp://example.com', 'https://example.com/app', 'https://user@example.com', 'example.com', 'https://example.com?x=1']) {
      await expect(gw.gateway.services.projects.addOrigin(gw.project.projectId, bad)).rejects.toThrow(/not an origin/);
    }
    expect(await gw.gateway.services.projects.listOrigins(gw.project.projectId)).toEqual([ALLOWED]);
  });

  it('lets the allowed origin read errors raised before any resolver: malformed JSON, a body too large', async () => {
    const { token } = await sessionToken();
    const headers = { 'content-type': 'application/json', origin: ALLOWED, 'x-public-token': gw.project.publicToken, authorization: `Bearer ${token}` };
    const malformed = await fetch(`${gw.url}/graphql`, { method: 'POST', headers, body: '{"query": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const huge = await fetch(`${gw.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ me { userId } }', pad: 'x'.repeat(gw.config.http.bodyLimitBytes) }) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('serves a browser\'s GET: X-Public-Token forces a preflight, so CSRF prevention lets it through', async () => {
    const { userId, token } = await sessionToken();
    const response = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{ me { userId } }')}`, {
      headers: { origin: ALLOWED, 'x-public-token': gw.project.publicToken, authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { me: { userId: string } } }).data.me.userId).toBe(userId);
    // Without it (a simple cross-site GET) CSRF prevention still refuses.
    const simple = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{ me { userId } }')}`, { headers: { origin: OTHER } });
    expect(simple.status).toBe(400);
  });

  it('answers an OPTIONS that is not a preflight with what the resource allows', async () => {
    for (const headers of [{}, { origin: ALLOWED }] as Array<Record<string, string>>) {
      const response = await fetch(`${gw.url}/graphql`, { method: 'OPTIONS', headers });
      expect(response.status).toBe(204);
      expect(response.headers.get('allow')).toBe('GET, POST, OPTIONS');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('leaves server-to-server callers alone: Basic auth needs no Origin and gets no CORS headers without one', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify({ query: 'mutation { createUser(input: { email: "s2s@example.com" }) { userId } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
