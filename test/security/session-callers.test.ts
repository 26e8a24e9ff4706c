// Session callers (a browser with the public token and a session) may act only for their own user, only through the fields @auth opens to SESSION; a public token alone opens nothing.
import { parse } from 'graphql';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AuthenticateTotpDocument,
  CreateSessionDocument,
  CreateTotpDocument,
  ConsoleProjectDocument,
  MeDocument,
  RecoverTotpDocument,
  RegenerateTotpRecoveryCodesDocument,
  RevokeSessionDocument,
  type GatewayClient,
} from '../../client';
import { gatewaySchema } from '../../src/schema';
import { describeEachDialect, codes, sessionClient, startGateway, totpCode, type TestGateway } from '../support/gateway';
import { sessionIssuer } from '../../src/sessions/jwt-issuer';

const STYTCH_SESSION = 'https://stytch.com/session';
const raw = (query: string) => parse(query) as TypedDocumentNode<Record<string, unknown>, Record<string, unknown>>;

/** The root fields a session caller may call; every other root field must be in REFUSED. */
const ALLOWED_FOR_SESSIONS = ['me', 'createTotp', 'authenticateTotp', 'recoverTotp', 'regenerateTotpRecoveryCodes', 'revokeSession', 'authenticateRememberedDevice'];
const REFUSED: Array<[string, string]> = [
  ['user', 'query($u: ID!) { user(userId: $u) { userId } }'],
  ['sessions', 'query($u: ID!) { sessions(userId: $u) { sessionId } }'],
  ['totpRecoveryCodes', 'query($u: ID!) { totpRecoveryCodes(userId: $u) { totpId } }'],
  ['authEvents', 'query($u: ID!) { authEvents(userId: $u) { edges { cursor } } }'],
  ['createUser', 'mutation { createUser(input: { email: "intruder@example.com" }) { userId } }'],
  ['deleteUser', 'mutation($u: ID!) { deleteUser(userId: $u) { userId } }'],
  ['unlockUser', 'mutation($u: ID!) { unlockUser(userId: $u) { userId } }'],
  ['deleteTotp', 'mutation { deleteTotp(totpId: "totp-00000000-0000-4000-8000-000000000000") { totpId } }'],
  ['importTotp', 'mutation($u: ID!) { importTotp(input: { userId: $u, secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" }) { totpId } }'],
  ['createSession', 'mutation($u: ID!) { createSession(input: { userId: $u, sessionDurationMinutes: 60 }) { sessionToken } }'],
  ['authenticateSession', 'mutation { authenticateSession(input: { sessionDurationMinutes: 60 }) { sessionJwt } }'],
  ['users', 'query { users { nodes { userId } } }'],
  ['updateUser', 'mutation($u: ID!) { updateUser(input: { userId: $u, trustedMetadata: { role: "admin" } }) { userId } }'],
  ['project', 'query { project { projectId } }'],
  ['rememberedDevices', 'query($u: ID!) { rememberedDevices(userId: $u) { rememberedDeviceId } }'],
  ['forgetRememberedDevices', 'mutation($u: ID!) { forgetRememberedDevices(userId: $u) { forgotten } }'],
  ['forgetRememberedDevice', 'mutation { forgetRememberedDevice(rememberedDeviceId: "device-00000000-0000-4000-8000-000000000000") { forgotten } }'],
  ['renameTotp', 'mutation { renameTotp(input: { totpId: "totp-00000000-0000-4000-8000-000000000000", label: "Mine" }) { totpId } }'],
  ['userCount', 'query { userCount(filter: { locked: true }) }'],
  ['authEventStats', 'query { authEventStats { since } }'],
  ['updateProjectSettings', 'mutation { updateProjectSettings(input: { maxTotpsPerUser: 10 }) { maxTotpsPerUser } }'],
  ['addAllowedOrigin', 'mutation { addAllowedOrigin(input: { origin: "https://evil.example" }) { origin } }'],
  ['removeAllowedOrigin', 'mutation { removeAllowedOrigin(input: { origin: "https://app.example.com" }) { origin } }'],
  ['webhookEndpoints', 'query { webhookEndpoints { endpointId } }'],
  ['webhookDeliveries', 'query { webhookDeliveries { deliveryId } }'],
  ['createWebhookEndpoint', 'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/x" }) { secret } }'],
  ['updateWebhookEndpoint', 'mutation { updateWebhookEndpoint(input: { endpointId: "webhook-00000000-0000-4000-8000-000000000000", enabled: false }) { endpointId } }'],
  ['deleteWebhookEndpoint', 'mutation { deleteWebhookEndpoint(endpointId: "webhook-00000000-0000-4000-8000-000000000000") { endpointId } }'],
  ['rotateWebhookEndpointSecret', 'mutation { rotateWebhookEndpointSecret(endpointId: "webhook-00000000-0000-4000-8000-000000000000") { secret } }'],
  ['replayWebhookDelivery', 'mutation { replayWebhookDelivery(deliveryId: "1") { deliveryId } }'],
];

interface Caller {
  userId: string;
  sessionId: string;
  sessionToken: string;
  sessionJwt: string;
  /** As a session caller, with the session token (or the JWT) as bearer. */
  client: GatewayClient;
  jwtClient: GatewayClient;
}

describeEachDialect('session callers on %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw.close());

  /** What a customer's backend does after its own first factor: createSession with the project secret. */
  async function signedIn(userId?: string): Promise<Caller> {
    const id = userId ?? (await gw.createUser());
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId: id, sessionDurationMinutes: 60 } });
    return {
      userId: id,
      sessionId: createSession.session.sessionId,
      sessionToken: createSession.sessionToken,
      sessionJwt: createSession.sessionJwt,
      client: sessionClient(gw.client, gw.project.publicToken, createSession.sessionToken),
      jwtClient: sessionClient(gw.client, gw.project.publicToken, createSession.sessionJwt),
    };
  }

  it('createSession starts a session whose first factor is external/backend, in the row and in the JWT', async () => {
    const userId = await gw.createUser();
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 30, sessionCustomClaims: { plan: 'pro' } } });
    expect(createSession.userId).toBe(userId);
    expect(createSession.session.authenticationFactors).toEqual([expect.objectContaining({ type: 'external', deliveryMethod: 'backend', totpId: null })]);
    expect(createSession.session.customClaims).toEqual({ plan: 'pro' });
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`));
    const { payload } = await jwtVerify(createSession.sessionJwt, jwks, { issuer: sessionIssuer(gw.config.publicUrl, gw.project.projectId), audience: gw.project.projectId });
    expect(payload.sub).toBe(userId);
    expect(payload.plan).toBe('pro');
    expect((payload[STYTCH_SESSION] as { authentication_factors: unknown[] }).authentication_factors).toEqual([
      { type: 'external', delivery_method: 'backend', last_authenticated_at: expect.any(String) },
    ]);
  });

  it('createSession refuses a bad duration, reserved claims and an unknown user, and starts nothing', async () => {
    const userId = await gw.createUser();
    const attempt = (input: Record<string, unknown>) => gw.client.request(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60, ...input } });
    expect(codes(await attempt({ sessionDurationMinutes: 4 }))).toEqual(['INVALID_SESSION_DURATION_MINUTES']);
    expect(codes(await attempt({ sessionCustomClaims: { sub: 'someone-else' } }))).toEqual(['RESERVED_CLAIMS_IN_CUSTOM_CLAIMS']);
    expect(codes(await attempt({ userId: 'user-00000000-0000-4000-8000-000000000000' }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await attempt({ userId: '' }))).toEqual(['INVALID_USER_ID']);
    const sessions = await gw.client.data(raw('query($u: ID!) { sessions(userId: $u) { sessionId } }'), { u: userId });
    expect(sessions.sessions).toEqual([]);
  });

  it.each([
    ['session token', (c: Caller) => c.client],
    ['session JWT', (c: Caller) => c.jwtClient],
  ])('me answers the caller with its own user and session (bearer: %s)', async (_kind, pick) => {
    const caller = await signedIn();
    const { me } = await pick(caller).data(MeDocument, {});
    expect(me.userId).toBe(caller.userId);
    expect(me.user.userId).toBe(caller.userId);
    expect(me.session.sessionId).toBe(caller.sessionId);
  });

  it.each([
    ['session token', (c: Caller) => c.client, true],
    ['session JWT', (c: Caller) => c.jwtClient, false],
  ])('enrolls and verifies TOTP for its own user; the factor lands on the same session, and the JWT shows both (bearer: %s)', async (_kind, pick, tokenEchoed) => {
    const caller = await signedIn();
    const client = pick(caller);
    const { createTotp } = await client.data(CreateTotpDocument, { input: { userId: caller.userId } });
    expect(createTotp.recoveryCodes).toHaveLength(10);
    const { authenticateTotp } = await client.data(AuthenticateTotpDocument, { input: { userId: caller.userId, totpCode: totpCode(createTotp.secret) } });
    expect(authenticateTotp.session?.sessionId).toBe(caller.sessionId);
    expect(authenticateTotp.sessionToken).toBe(tokenEchoed ? caller.sessionToken : null);
    expect(authenticateTotp.session?.authenticationFactors.map((f) => f.type).sort()).toEqual(['external', 'totp']);
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`));
    const { payload } = await jwtVerify(authenticateTotp.sessionJwt!, jwks, { issuer: sessionIssuer(gw.config.publicUrl, gw.project.projectId), audience: gw.project.projectId });
    const factors = (payload[STYTCH_SESSION] as { id: string; authentication_factors: Array<{ type: string; delivery_method: string }> });
    expect(factors.id).toBe(caller.sessionId);
    expect(factors.authentication_factors.map((f) => `${f.type}/${f.delivery_method}`).sort()).toEqual(['external/backend', 'totp/authenticator_app']);
  });

  it('looks its session up once per authenticateTotp: when the request arrives, not again to add the factor', async () => {
    const caller = await signedIn();
    const { createTotp } = await caller.jwtClient.data(CreateTotpDocument, { input: { userId: caller.userId } });
    const lookups = jest.spyOn(gw.gateway.services.sessions as unknown as { resolve: () => Promise<unknown> }, 'resolve');
    try {
      const { authenticateTotp } = await caller.jwtClient.data(AuthenticateTotpDocument, { input: { userId: caller.userId, totpCode: totpCode(createTotp.secret) } });
      expect(authenticateTotp.session?.sessionId).toBe(caller.sessionId);
      expect(lookups).toHaveBeenCalledTimes(1);
    } finally {
      lookups.mockRestore();
    }
  });

  it('recovers with a recovery code and regenerates codes, for its own user only', async () => {
    const caller = await signedIn();
    const { createTotp } = await caller.client.data(CreateTotpDocument, { input: { userId: caller.userId } });
    await caller.client.data(AuthenticateTotpDocument, { input: { userId: caller.userId, totpCode: totpCode(createTotp.secret) } });
    const { recoverTotp } = await caller.client.data(RecoverTotpDocument, { input: { userId: caller.userId, recoveryCode: createTotp.recoveryCodes[0] } });
    expect(recoverTotp.session?.sessionId).toBe(caller.sessionId);
    expect(recoverTotp.session?.authenticationFactors.map((f) => f.type).sort()).toEqual(['external', 'recovery_codes', 'totp']);
    const { regenerateTotpRecoveryCodes } = await caller.client.data(RegenerateTotpRecoveryCodesDocument, { userId: caller.userId });
    expect(regenerateTotpRecoveryCodes.recoveryCodes).toHaveLength(10);
  });

  it('a userId naming anyone else answers as a missing user, and changes nothing', async () => {
    const caller = await signedIn();
    const other = await gw.enroll({ verify: true });
    const before = await gw.client.data(raw('query($u: ID!) { user(userId: $u) { isLocked totps { totpId verified } } }'), { u: other.userId });
    expect(codes(await caller.client.request(CreateTotpDocument, { input: { userId: other.userId } }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await caller.client.request(AuthenticateTotpDocument, { input: { userId: other.userId, totpCode: totpCode(other.secret) } }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await caller.client.request(RecoverTotpDocument, { input: { userId: other.userId, recoveryCode: other.recoveryCodes[0] } }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await caller.client.request(RegenerateTotpRecoveryCodesDocument, { userId: other.userId }))).toEqual(['USER_NOT_FOUND']);
    const after = await gw.client.data(raw('query($u: ID!) { user(userId: $u) { isLocked totps { totpId verified } } }'), { u: other.userId });
    expect(after).toEqual(before);
    // The other user's code and recovery code are still unused.
    await gw.client.data(AuthenticateTotpDocument, { input: { userId: other.userId, totpCode: totpCode(other.secret) } });
    await gw.client.data(RecoverTotpDocument, { input: { userId: other.userId, recoveryCode: other.recoveryCodes[0] } });
  });

  it.each(REFUSED)('%s answers UNAUTHORIZED_CREDENTIALS (401) to a session caller and does nothing', async (field, query) => {
    const caller = await signedIn();
    const variables = query.includes('$u') ? { u: caller.userId } : {};
    const response = await caller.client.request(raw(query), variables);
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    if (field === 'deleteUser') expect((await caller.client.data(MeDocument, {})).me.userId).toBe(caller.userId);
    if (field === 'addAllowedOrigin') expect((await gw.client.data(ConsoleProjectDocument, {})).project.allowedOrigins).not.toContain('https://evil.example');
    if (field === 'createUser') {
      // The email is still free: the intruder's createUser made nothing.
      const made = await gw.client.data(raw('mutation { createUser(input: { email: "intruder@example.com" }) { userId } }'), {});
      expect(made.createUser).toBeDefined();
    }
  });

  it('an operation mixing an allowed field with a refused one runs neither', async () => {
    const caller = await signedIn();
    const response = await caller.client.request(
      raw('mutation($u: ID!) { createTotp(input: { userId: $u }) { totpId } deleteUser(userId: $u) { userId } }'),
      { u: caller.userId },
    );
    expect(response.status).toBe(401);
    expect(new Set(codes(response))).toEqual(new Set(['UNAUTHORIZED_CREDENTIALS']));
    const { user } = await gw.client.data(raw('query($u: ID!) { user(userId: $u) { totps { totpId } } }'), { u: caller.userId });
    expect(user).toEqual({ totps: [] });
    // The same through a fragment spread at the root.
    const spread = await caller.client.request(
      raw('mutation($u: ID!) { ...Both } fragment Both on Mutation { createTotp(input: { userId: $u }) { totpId } deleteUser(userId: $u) { userId } }'),
      { u: caller.userId },
    );
    expect(new Set(codes(spread))).toEqual(new Set(['UNAUTHORIZED_CREDENTIALS']));
    expect((await gw.client.data(raw('query($u: ID!) { user(userId: $u) { totps { totpId } } }'), { u: caller.userId })).user).toEqual({ totps: [] });
  });

  it('every root field is either open to sessions (and tested as allowed) or tested as refused', () => {
    const schema = gatewaySchema();
    const roots = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) => Object.keys(type.getFields()));
    expect([...ALLOWED_FOR_SESSIONS, ...REFUSED.map(([field]) => field)].sort()).toEqual(roots.sort());
  });

  it('regenerateTotpRecoveryCodes needs a second factor in the session: a password alone cannot mint recovery codes', async () => {
    const enrolled = await gw.enroll({ verify: true });
    const caller = await signedIn(enrolled.userId);
    const refused = await caller.client.request(RegenerateTotpRecoveryCodesDocument, { userId: enrolled.userId });
    expect(codes(refused)).toEqual(['SECOND_FACTOR_REQUIRED']);
    // The user's codes are untouched.
    await gw.client.data(RecoverTotpDocument, { input: { userId: enrolled.userId, recoveryCode: enrolled.recoveryCodes[0] } });
    await caller.client.data(AuthenticateTotpDocument, { input: { userId: enrolled.userId, totpCode: totpCode(enrolled.secret) } });
    const { regenerateTotpRecoveryCodes } = await caller.client.data(RegenerateTotpRecoveryCodesDocument, { userId: enrolled.userId });
    expect(regenerateTotpRecoveryCodes.recoveryCodes).toHaveLength(10);
  });

  it("sessionCustomClaims is the backend's to set: a session caller gets BAD_USER_INPUT and its code is not spent", async () => {
    const caller = await signedIn();
    const { createTotp } = await caller.client.data(CreateTotpDocument, { input: { userId: caller.userId } });
    const code = totpCode(createTotp.secret);
    const claims = { sessionCustomClaims: { role: 'admin' } };
    const refused = await caller.client.request(AuthenticateTotpDocument, { input: { userId: caller.userId, totpCode: code, ...claims } });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0].extensions).toMatchObject({ errorType: 'session_argument_not_allowed', field: 'sessionCustomClaims' });
    const refusedRecovery = await caller.client.request(RecoverTotpDocument, { input: { userId: caller.userId, recoveryCode: createTotp.recoveryCodes[0], ...claims } });
    expect(codes(refusedRecovery)).toEqual(['BAD_USER_INPUT']);
    const { authenticateTotp } = await caller.client.data(AuthenticateTotpDocument, { input: { userId: caller.userId, totpCode: code } });
    expect(authenticateTotp.session?.customClaims).toEqual({});
  });

  it('sessionDurationMinutes from a session caller may shorten its session but never extend it (Stytch SDKs always send one)', async () => {
    const caller = await signedIn(); // 60 minutes, set by the backend
    const { createTotp } = await caller.client.data(CreateTotpDocument, { input: { userId: caller.userId } });
    const before = Date.parse((await caller.client.data(MeDocument, {})).me.session.expiresAt);
    const longer = await caller.client.data(AuthenticateTotpDocument, {
      input: { userId: caller.userId, totpCode: totpCode(createTotp.secret), sessionDurationMinutes: 527040 },
    });
    expect(Date.parse(longer.authenticateTotp.session!.expiresAt)).toBe(before);
    const shorter = await caller.client.data(RecoverTotpDocument, {
      input: { userId: caller.userId, recoveryCode: createTotp.recoveryCodes[0], sessionDurationMinutes: 10 },
    });
    expect(Date.parse(shorter.recoverTotp.session!.expiresAt)).toBeLessThan(before - 45 * 60_000);
    expect(codes(await caller.client.request(RecoverTotpDocument, {
      input: { userId: caller.userId, recoveryCode: createTotp.recoveryCodes[1], sessionDurationMinutes: 527041 },
    }))).toEqual(['INVALID_SESSION_DURATION_MINUTES']);
  });

  it('me is for session callers only: a project secret gets UNAUTHORIZED_CREDENTIALS', async () => {
    const response = await gw.client.request(MeDocument, {});
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
  });

  it('a stolen public token without a session, a bearer without the public token, or a bogus bearer open nothing', async () => {
    const caller = await signedIn();
    const tokenOnly = gw.client.with({ projectId: undefined, secret: undefined, headers: { 'x-public-token': gw.project.publicToken } });
    const bearerOnly = gw.client.with({ projectId: undefined, secret: undefined, headers: { authorization: `Bearer ${caller.sessionToken}` } });
    const bogus = sessionClient(gw.client, gw.project.publicToken, 'not-a-session-token');
    const wrongToken = sessionClient(gw.client, 'public-token-00000000-0000-4000-8000-000000000000', caller.sessionToken);
    for (const client of [tokenOnly, bearerOnly, bogus, wrongToken]) {
      const me = await client.request(MeDocument, {});
      expect(me.status).toBe(401);
      expect(codes(me)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
      expect(codes(await client.request(CreateTotpDocument, { input: { userId: caller.userId } }))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    }
  });

  it("another project's public token does not open this project's session", async () => {
    const caller = await signedIn();
    const other = await gw.newProject();
    const crossed = sessionClient(gw.client, other.publicToken, caller.sessionToken);
    expect(codes(await crossed.request(MeDocument, {}))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    const crossedJwt = sessionClient(gw.client, other.publicToken, caller.sessionJwt);
    expect(codes(await crossedJwt.request(MeDocument, {}))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
  });

  it('revokeSession revokes only its own session; afterwards the session opens nothing', async () => {
    const caller = await signedIn();
    const other = await signedIn();
    expect(codes(await caller.client.request(RevokeSessionDocument, { input: { sessionId: other.sessionId } }))).toEqual(['SESSION_NOT_FOUND']);
    expect(codes(await caller.client.request(RevokeSessionDocument, { input: { sessionToken: other.sessionToken } }))).toEqual(['SESSION_NOT_FOUND']);
    const { revokeSession } = await caller.client.data(RevokeSessionDocument, { input: {} });
    expect(revokeSession.sessionId).toBe(caller.sessionId);
    expect(codes(await caller.client.request(MeDocument, {}))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect(codes(await caller.jwtClient.request(MeDocument, {}))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect((await other.client.data(MeDocument, {})).me.session.sessionId).toBe(other.sessionId);
  });

  it('a session caller cannot move its factor onto another session', async () => {
    const caller = await signedIn();
    const other = await signedIn();
    const { createTotp } = await caller.client.data(CreateTotpDocument, { input: { userId: caller.userId } });
    const response = await caller.client.request(AuthenticateTotpDocument, {
      input: { userId: caller.userId, totpCode: totpCode(createTotp.secret), sessionToken: other.sessionToken },
    });
    expect(codes(response)).toEqual(['TOO_MANY_SESSION_ARGUMENTS']);
    // Refused before judging: the code is still good.
    await caller.client.data(AuthenticateTotpDocument, { input: { userId: caller.userId, totpCode: totpCode(createTotp.secret) } });
  });

  it('replay and lockout hold whichever way the request comes in', async () => {
    const enrolled = await gw.enroll({ verify: true });
    const caller = await signedIn(enrolled.userId);
    const code = totpCode(enrolled.secret);
    await gw.client.data(AuthenticateTotpDocument, { input: { userId: enrolled.userId, totpCode: code } });
    expect(codes(await caller.client.request(AuthenticateTotpDocument, { input: { userId: enrolled.userId, totpCode: code } }))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    const wrong = code === '000000' ? '111111' : '000000';
    // The replay was the first failed attempt; the rest of the budget alternates between the paths.
    const limit = gw.config.lockout.maxAttempts;
    for (let i = 1; i < limit; i++) {
      const client = i % 2 ? caller.client : gw.client;
      expect(codes(await client.request(AuthenticateTotpDocument, { input: { userId: enrolled.userId, totpCode: wrong } }))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    }
    const locked = await caller.client.request(AuthenticateTotpDocument, { input: { userId: enrolled.userId, totpCode: totpCode(enrolled.secret, 1) } });
    expect(codes(locked)).toEqual(['USER_LOCK_LIMIT_REACHED']);
    expect(codes(await gw.client.request(AuthenticateTotpDocument, { input: { userId: enrolled.userId, totpCode: totpCode(enrolled.secret, 1) } }))).toEqual(['USER_LOCK_LIMIT_REACHED']);
  });
});

describeEachDialect('session callers over time on %s', (dialect) => {
  let gw: TestGateway;
  let nowMs = Date.now();
  beforeAll(async () => {
    gw = await startGateway({ dialect, clock: { now: () => nowMs } });
  });
  afterAll(() => gw.close());

  it('a Bearer JWT past its 5-minute exp is refused (the token still works); an expired session opens nothing', async () => {
    const userId = await gw.createUser();
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 30 } });
    const byToken = sessionClient(gw.client, gw.project.publicToken, createSession.sessionToken);
    const byJwt = sessionClient(gw.client, gw.project.publicToken, createSession.sessionJwt);
    expect((await byJwt.data(MeDocument, {})).me.userId).toBe(userId);
    nowMs += gw.config.sessions.jwtLifetimeSeconds * 1000 + 1000;
    const stale = await byJwt.request(MeDocument, {});
    expect(stale.status).toBe(401);
    expect(codes(stale)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect((await byToken.data(MeDocument, {})).me.userId).toBe(userId);
    nowMs += 30 * 60_000;
    expect(codes(await byToken.request(MeDocument, {}))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect(codes(await byToken.request(CreateTotpDocument, { input: { userId } }))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
  });
});
