// Threat: a caller without valid credentials, or one project acting on another's data: project credentials (401, nothing executed, secret rotation), tenant isolation (another project's ids answer as missing ones) and the fail-closed @auth directive.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, graphql, Kind, parse, type ObjectTypeDefinitionNode, type SchemaDefinitionNode } from 'graphql';
import { generateKeyPair, SignJWT } from 'jose';
import {
  AssuredRecoverTotpDocument,
  AuthenticateRememberedDeviceDocument,
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  CreateTotpDocument,
  CreateUserDocument,
  DeleteTotpDocument,
  DeleteUserDocument,
  ForgetRememberedDeviceDocument,
  ForgetRememberedDevicesDocument,
  GatewayClient,
  GetUserDocument,
  RecoverTotpDocument,
  RegenerateTotpRecoveryCodesDocument,
  RememberedDevicesDocument,
  RevokeSessionDocument,
  SessionsDocument,
  TotpRecoveryCodesDocument,
  UnlockUserDocument,
  UserLockDocument,
  type GatewayResponse,
} from '../../client';
import { applyAuthDirective } from '../../src/auth/auth.directive';
import { printGatewaySchema } from '../../src/schema';
import { describeEachDialect, codes, startGateway, totpCode, type Dialect, type Enrollment, type TestGateway, type TestProject } from '../support/gateway';
import { sessionIssuer } from '../../src/sessions/jwt-issuer';

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

async function countUsers(gw: TestGateway): Promise<number> {
  const [row] = (await gw.gateway.db.dataSource.query('SELECT COUNT(*) AS n FROM users')) as Array<{ n: number | string }>;
  return Number(row.n);
}

/** The part of an error a caller can see, to compare two answers for equality. */
const visible = (r: GatewayResponse<unknown>) => ({
  status: r.status,
  data: r.data,
  errors: (r.errors ?? []).map((e) => ({ code: e.extensions.code, errorType: e.extensions.errorType, message: e.message })),
});

describeEachDialect('project credentials on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let other: TestProject;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
    other = await gw.newProject();
  });
  afterAll(() => gw?.close());

  const badClients = (): Array<[string, GatewayClient]> => {
    const anonymous = new GatewayClient({ url: gw.url });
    const { projectId, secret } = gw.project;
    return [
      ['no Authorization header', anonymous],
      ['a wrong secret', gw.client.with({ secret: randomBytes(32).toString('base64url') })],
      ['an empty secret', gw.client.with({ secret: '' })],
      ['an unknown project id', gw.client.with({ projectId: `project-${randomUUID()}` })],
      ["another project's secret", gw.client.with({ projectId: other.projectId, secret })],
      ['a malformed Basic header', anonymous.with({ headers: { authorization: 'Basic !!!' } })],
      ['a Bearer token', anonymous.with({ headers: { authorization: 'Bearer x' } })],
      ['the secret as a Bearer token', anonymous.with({ headers: { authorization: `Bearer ${secret}` } })],
      ['Basic without a colon', anonymous.with({ headers: { authorization: 'Basic ' + Buffer.from(projectId).toString('base64') } })],
      ['the secret as the user name', anonymous.with({ headers: { authorization: basic(secret, projectId) } })],
    ];
  };

  it('answers HTTP 401 UNAUTHORIZED_CREDENTIALS for missing, wrong or malformed credentials', async () => {
    const userId = await gw.createUser();
    for (const [label, client] of badClients()) {
      const response = await client.request(GetUserDocument, { userId });
      expect({ label, status: response.status, codes: codes(response), data: response.data }).toEqual({
        label,
        status: 401,
        codes: ['UNAUTHORIZED_CREDENTIALS'],
        data: null,
      });
      expect(response.errors?.[0].extensions).toEqual(
        expect.objectContaining({ errorType: 'unauthorized_credentials', requestId: expect.any(String) }),
      );
    }
  });

  it('executes nothing for a request with bad credentials', async () => {
    const before = await countUsers(gw);
    for (const [label, client] of badClients()) {
      const response = await client.request(CreateUserDocument, { input: { email: `intruder-${randomUUID()}@example.com` } });
      expect({ label, status: response.status, codes: codes(response) }).toEqual({ label, status: 401, codes: ['UNAUTHORIZED_CREDENTIALS'] });
    }
    // Several root fields in one operation: none of them runs.
    const many = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation { a: createUser(input: { email: "a@example.com" }) { userId } b: createUser(input: { email: "b@example.com" }) { userId } }',
      }),
    });
    expect(many.status).toBe(401);
    const body = (await many.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    // Mutations run serially and the first refusal nulls the whole result, so one error is enough.
    expect(body.data ?? null).toBeNull();
    expect(codes(body).length).toBeGreaterThan(0);
    expect(new Set(codes(body))).toEqual(new Set(['UNAUTHORIZED_CREDENTIALS']));
    expect(await countUsers(gw)).toBe(before);
  });

  it('rotates secrets: a second secret works at once, a revoked one fails at once', async () => {
    const project = await gw.newProject();
    const userId = await gw.createUser({}, project.client);
    const second = await gw.gateway.services.projects.createSecret(project.projectId);
    expect(second.projectId).toBe(project.projectId);
    expect(second.secret).not.toBe(project.secret);
    const next = project.client.with({ secret: second.secret });
    for (const client of [project.client, next]) {
      expect((await client.data(GetUserDocument, { userId })).user.userId).toBe(userId);
    }

    await gw.gateway.services.projects.revokeSecret(project.projectId, project.secretId);
    const revoked = await project.client.request(GetUserDocument, { userId });
    expect(revoked.status).toBe(401);
    expect(codes(revoked)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect((await next.data(GetUserDocument, { userId })).user.userId).toBe(userId);
    // The new secret opens only its own project.
    const elsewhere = await next.with({ projectId: gw.project.projectId }).request(GetUserDocument, { userId });
    expect(elsewhere.status).toBe(401);
    await expect(gw.gateway.services.projects.revokeSecret(project.projectId, project.secretId)).rejects.toThrow();
  });
});

describeEachDialect('tenant isolation on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let b: TestProject;
  let a: Enrollment;
  let aEmail: string;
  let aSession: { sessionId: string; sessionToken: string; sessionJwt: string };
  /** The gateway's clock, held still: every code below is computed from it, so none ages out mid-suite. */
  const clock = { t: 0, now() { return this.t; } };
  /** A's current, unused TOTP code and an unused recovery code: B's attempts must not spend them. */
  let aCode: string;
  let aRecoveryCode: string;

  interface Ids {
    userId: string;
    totpId: string;
    sessionId: string;
    sessionToken: string;
    sessionJwt: string;
    rememberedDeviceId: string;
    deviceToken: string;
  }
  let real: Ids;
  let unknown: Ids;

  beforeAll(async () => {
    clock.t = Date.now();
    gw = await startGateway({ dialect, clock });
    b = await gw.newProject('Project B');
    // Both remember devices, so B's device calls reach the attempt rather than stop at the setting.
    for (const projectId of [gw.project.projectId, b.projectId]) await gw.gateway.services.projectSettings.update(projectId, { rememberDevices: true });
    a = await gw.enroll({ verify: true });
    aEmail = (await gw.client.data(GetUserDocument, { userId: a.userId })).user.emails[0].email;
    const { recoverTotp } = await gw.client.data(AssuredRecoverTotpDocument, {
      input: { userId: a.userId, recoveryCode: a.recoveryCodes[0], sessionDurationMinutes: 60, rememberDeviceDays: 30 },
    });
    aSession = { sessionId: recoverTotp.session!.sessionId, sessionToken: recoverTotp.sessionToken!, sessionJwt: recoverTotp.sessionJwt! };
    aCode = totpCode(a.secret, 0, clock.now());
    aRecoveryCode = a.recoveryCodes[1];
    real = { userId: a.userId, totpId: a.totpId, ...aSession, rememberedDeviceId: recoverTotp.rememberedDeviceId!, deviceToken: recoverTotp.deviceToken! };
    // A well-formed JWT for an unknown session, signed by a key nobody publishes.
    const { privateKey } = await generateKeyPair('RS256');
    const stranger = await new SignJWT({ 'https://stytch.com/session': { id: `session-${randomUUID()}` } })
      .setProtectedHeader({ alg: 'RS256', kid: `key-${randomUUID()}` })
      .setIssuer(sessionIssuer(gw.config.publicUrl, b.projectId))
      .setAudience([b.projectId])
      .setSubject(`user-${randomUUID()}`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    unknown = {
      userId: `user-${randomUUID()}`,
      totpId: `totp-${randomUUID()}`,
      sessionId: `session-${randomUUID()}`,
      sessionToken: randomBytes(32).toString('base64url'),
      sessionJwt: stranger,
      rememberedDeviceId: `device-${randomUUID()}`,
      deviceToken: randomBytes(32).toString('base64url'),
    };
  });
  afterAll(() => gw?.close());

  const operations: Array<[string, string, (c: GatewayClient, ids: Ids) => Promise<GatewayResponse<unknown>>]> = [
    ['user', 'USER_NOT_FOUND', (c, i) => c.request(GetUserDocument, { userId: i.userId })],
    ['deleteUser', 'USER_NOT_FOUND', (c, i) => c.request(DeleteUserDocument, { userId: i.userId })],
    ['unlockUser', 'USER_NOT_FOUND', (c, i) => c.request(UnlockUserDocument, { userId: i.userId })],
    ['totpRecoveryCodes', 'USER_NOT_FOUND', (c, i) => c.request(TotpRecoveryCodesDocument, { userId: i.userId })],
    ['sessions', 'USER_NOT_FOUND', (c, i) => c.request(SessionsDocument, { userId: i.userId })],
    ['createTotp', 'USER_NOT_FOUND', (c, i) => c.request(CreateTotpDocument, { input: { userId: i.userId } })],
    ['authenticateTotp', 'USER_NOT_FOUND', (c, i) => c.request(AuthenticateTotpDocument, { input: { userId: i.userId, totpCode: aCode } })],
    [
      'authenticateTotp with a session',
      'USER_NOT_FOUND',
      (c, i) => c.request(AuthenticateTotpDocument, { input: { userId: i.userId, totpCode: aCode, sessionToken: i.sessionToken } }),
    ],
    ['recoverTotp', 'USER_NOT_FOUND', (c, i) => c.request(RecoverTotpDocument, { input: { userId: i.userId, recoveryCode: aRecoveryCode } })],
    ['regenerateTotpRecoveryCodes', 'USER_NOT_FOUND', (c, i) => c.request(RegenerateTotpRecoveryCodesDocument, { userId: i.userId })],
    [
      'authenticateRememberedDevice',
      'USER_NOT_FOUND',
      (c, i) => c.request(AuthenticateRememberedDeviceDocument, { input: { userId: i.userId, deviceToken: i.deviceToken, sessionDurationMinutes: 60 } }),
    ],
    ['rememberedDevices', 'USER_NOT_FOUND', (c, i) => c.request(RememberedDevicesDocument, { userId: i.userId })],
    ['forgetRememberedDevices', 'USER_NOT_FOUND', (c, i) => c.request(ForgetRememberedDevicesDocument, { userId: i.userId })],
    ['forgetRememberedDevice', 'REMEMBERED_DEVICE_NOT_FOUND', (c, i) => c.request(ForgetRememberedDeviceDocument, { rememberedDeviceId: i.rememberedDeviceId })],
    ['deleteTotp', 'TOTP_NOT_FOUND', (c, i) => c.request(DeleteTotpDocument, { totpId: i.totpId })],
    ['authenticateSession by token', 'SESSION_NOT_FOUND', (c, i) => c.request(AuthenticateSessionDocument, { input: { sessionToken: i.sessionToken } })],
    ['authenticateSession by JWT', 'SESSION_NOT_FOUND', (c, i) => c.request(AuthenticateSessionDocument, { input: { sessionJwt: i.sessionJwt } })],
    ['revokeSession by id', 'SESSION_NOT_FOUND', (c, i) => c.request(RevokeSessionDocument, { input: { sessionId: i.sessionId } })],
    ['revokeSession by token', 'SESSION_NOT_FOUND', (c, i) => c.request(RevokeSessionDocument, { input: { sessionToken: i.sessionToken } })],
    ['revokeSession by JWT', 'SESSION_NOT_FOUND', (c, i) => c.request(RevokeSessionDocument, { input: { sessionJwt: i.sessionJwt } })],
  ];

  it.each(operations)("%s with project B's credentials on A's ids answers %s, exactly as for unknown ids", async (_name, expected, run) => {
    const onReal = await run(b.client, real);
    const onUnknown = await run(b.client, unknown);
    expect(codes(onReal)).toEqual([expected]);
    expect(onReal.data).toBeNull();
    expect(visible(onReal)).toEqual(visible(onUnknown));
  });

  it("does not let B attach its own user's factor to A's session", async () => {
    const mine = await gw.enroll({ verify: true, client: b.client });
    const code = totpCode(mine.secret, 0, clock.now());
    for (const arg of [{ sessionToken: aSession.sessionToken }, { sessionJwt: aSession.sessionJwt }]) {
      const response = await b.client.request(AuthenticateTotpDocument, { input: { userId: mine.userId, totpCode: code, ...arg } });
      expect(codes(response)).toEqual(['SESSION_NOT_FOUND']);
    }
    const recovered = await b.client.request(RecoverTotpDocument, {
      input: { userId: mine.userId, recoveryCode: mine.recoveryCodes[0], sessionJwt: aSession.sessionJwt },
    });
    expect(codes(recovered)).toEqual(['SESSION_NOT_FOUND']);
  });

  it("lets B reuse A's email: uniqueness is per project and reveals nothing", async () => {
    const { createUser } = await b.client.data(CreateUserDocument, { input: { email: aEmail } });
    expect(createUser.userId).not.toBe(a.userId);
    expect(createUser.user.emails[0].email).toBe(aEmail);
  });

  it("leaves A's data unchanged after B's attempts", async () => {
    const { user } = await gw.client.data(GetUserDocument, { userId: a.userId });
    expect(user.totps).toEqual([{ totpId: a.totpId, verified: true }]);
    expect(user.isLocked).toBe(false);
    expect((await gw.client.data(UserLockDocument, { userId: a.userId })).user.consecutiveFailures).toBe(0);
    expect((await gw.client.data(RememberedDevicesDocument, { userId: a.userId })).rememberedDevices.map((d) => d.rememberedDeviceId)).toEqual([real.rememberedDeviceId]);
    const [recovery] = (await gw.client.data(TotpRecoveryCodesDocument, { userId: a.userId })).totpRecoveryCodes;
    expect(recovery).toEqual(expect.objectContaining({ totpId: a.totpId, verified: true, remaining: 9 }));
    expect((await gw.client.data(SessionsDocument, { userId: a.userId })).sessions.map((s) => s.sessionId)).toEqual([aSession.sessionId]);

    const byToken = await gw.client.data(AuthenticateSessionDocument, { input: { sessionToken: aSession.sessionToken } });
    expect(byToken.authenticateSession.session.sessionId).toBe(aSession.sessionId);
    const byJwt = await gw.client.data(AuthenticateSessionDocument, { input: { sessionJwt: aSession.sessionJwt } });
    expect(byJwt.authenticateSession.session.sessionId).toBe(aSession.sessionId);

    // The very code and recovery code B sent are still unspent, and the TOTP still works.
    const totp = await gw.client.data(AuthenticateTotpDocument, { input: { userId: a.userId, totpCode: aCode, sessionToken: aSession.sessionToken } });
    expect(totp.authenticateTotp.session?.sessionId).toBe(aSession.sessionId);
    const recovered = await gw.client.data(RecoverTotpDocument, { input: { userId: a.userId, recoveryCode: aRecoveryCode } });
    expect(recovered.recoverTotp.totpId).toBe(a.totpId);
  });
});

describe('@auth directive', () => {
  const schemaFile = join(__dirname, '../../schema/schema.graphql');

  it('is declared on every Query and Mutation field of the committed schema', () => {
    const document = parse(readFileSync(schemaFile, 'utf8'));
    const schemaDef = document.definitions.find((d): d is SchemaDefinitionNode => d.kind === Kind.SCHEMA_DEFINITION);
    const rootNames = schemaDef ? schemaDef.operationTypes.map((t) => t.type.name.value) : ['Query', 'Mutation', 'Subscription'];
    const directive = document.definitions.find((d) => d.kind === Kind.DIRECTIVE_DEFINITION && d.name.value === 'auth');
    expect(directive && directive.kind === Kind.DIRECTIVE_DEFINITION && directive.locations.map((l) => l.value).sort()).toEqual(['FIELD_DEFINITION', 'OBJECT']);

    const roots = document.definitions.filter(
      (d): d is ObjectTypeDefinitionNode => (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && rootNames.includes(d.name.value),
    );
    const fields = roots.flatMap((t) => (t.fields ?? []).map((f) => ({ field: `${t.name.value}.${f.name.value}`, auth: (f.directives ?? []).some((d) => d.name.value === 'auth') })));
    expect(fields.map((f) => f.field)).toEqual(
      expect.arrayContaining([
        'Query.user',
        'Query.totpRecoveryCodes',
        'Query.sessions',
        'Mutation.createUser',
        'Mutation.deleteUser',
        'Mutation.createTotp',
        'Mutation.authenticateTotp',
        'Mutation.recoverTotp',
        'Mutation.regenerateTotpRecoveryCodes',
        'Mutation.deleteTotp',
        'Mutation.authenticateSession',
        'Mutation.revokeSession',
      ]),
    );
    expect(fields.filter((f) => !f.auth)).toEqual([]);
  });

  it('the committed schema is the one the gateway serves', () => {
    expect(printGatewaySchema()).toBe(readFileSync(schemaFile, 'utf8'));
  });

  it('fails closed: a root field without @auth stops the schema from building', () => {
    const sdl = 'directive @auth on FIELD_DEFINITION | OBJECT\n';
    expect(() => applyAuthDirective(buildSchema(`${sdl} type Query { open: String }`))).toThrow();
    expect(() => applyAuthDirective(buildSchema(`${sdl} type Query { ok: String @auth } type Mutation { open: String }`))).toThrow();
    expect(() => applyAuthDirective(buildSchema(`${sdl} type Query { ok: String @auth }`))).not.toThrow();
    expect(() => applyAuthDirective(buildSchema(`${sdl} type Query @auth { ok: String }`))).not.toThrow();
  });

  it('a guarded field refuses a request without a project', async () => {
    const schema = applyAuthDirective(buildSchema('directive @auth on FIELD_DEFINITION | OBJECT\n type Query { ok: String @auth }'));
    const refused = await graphql({ schema, source: '{ ok }', rootValue: { ok: 'yes' }, contextValue: { project: null } });
    expect(refused.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    const allowed = await graphql({ schema, source: '{ ok }', rootValue: { ok: 'yes' }, contextValue: { project: { projectId: 'p' } } });
    expect(allowed).toEqual({ data: { ok: 'yes' } });
  });
});
