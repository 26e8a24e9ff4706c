// updateUser and the externalId rule: partial updates with Stytch's metadata merge, DUPLICATE_* naming the existing user only to its own project, coded errors that change nothing, and an external id accepted wherever a user id is (GraphQL and REST).
import { randomUUID } from 'node:crypto';
import {
  AuthenticateTotpDocument,
  CreateSessionDocument,
  CreateTotpDocument,
  CreateUserDocument,
  GetUserDocument,
  SessionsDocument,
  UpdateUserDocument,
  type UpdateUserInput,
} from '../../client';
import { describeEachDialect, codes, sessionClient, startGateway, totpCode, type TestGateway, type TestProject } from '../support/gateway';

describeEachDialect('updateUser and external ids on %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  const ext = (prefix = 'ext') => `${prefix}-${randomUUID().slice(0, 13)}`;
  const update = (input: UpdateUserInput, project: TestProject = gw.project) => project.client.request(UpdateUserDocument, { input });
  /** The users row as stored, to prove a refused update wrote nothing. */
  const row = async (userId: string) => JSON.stringify(await gw.gateway.db.dataSource.query(`SELECT * FROM users WHERE id = '${userId}'`));

  it('changes only what is given; metadata merges at the top level and null deletes a key', async () => {
    const { createUser } = await gw.client.data(CreateUserDocument, {
      input: { email: `${ext('u')}@example.com`, name: { firstName: 'Ada', lastName: 'Byron' }, trustedMetadata: { plan: 'free', seats: 1, keep: true }, untrustedMetadata: { theme: 'dark' } },
    });
    const userId = createUser.userId;
    const externalId = ext();
    const { updateUser } = await gw.client.data(UpdateUserDocument, {
      input: { userId, name: { lastName: 'Lovelace', middleName: null }, externalId, trustedMetadata: { plan: 'pro', seats: null, nested: { a: [1] } } },
    });
    expect(updateUser.userId).toBe(userId);
    expect(updateUser.user).toMatchObject({
      name: { firstName: 'Ada', middleName: null, lastName: 'Lovelace' },
      externalId,
      trustedMetadata: { plan: 'pro', keep: true, nested: { a: [1] } },
      untrustedMetadata: { theme: 'dark' },
      emails: createUser.user.emails,
    });
    expect((await gw.client.data(GetUserDocument, { userId })).user).toEqual(updateUser.user);
    // An empty update changes nothing and answers the user.
    expect((await gw.client.data(UpdateUserDocument, { input: { userId } })).updateUser.user).toEqual(updateUser.user);
    // The external id now names the user.
    expect((await gw.client.data(UpdateUserDocument, { input: { userId: externalId, untrustedMetadata: { theme: null } } })).updateUser.user.untrustedMetadata).toEqual({});
  });

  it('DUPLICATE_EXTERNAL_ID and DUPLICATE_EMAIL name the existing user to its own project only', async () => {
    const taken = ext();
    const email = `${ext('dup')}@example.com`;
    const holder = await gw.createUser({ email, externalId: taken });
    const other = await gw.createUser();
    const before = await row(other);
    const duplicate = await update({ userId: other, externalId: taken, name: { firstName: 'Changed' } });
    expect(codes(duplicate)).toEqual(['DUPLICATE_EXTERNAL_ID']);
    expect(duplicate.errors![0].extensions).toMatchObject({ errorType: 'duplicate_external_id', existingUserId: holder });
    expect(await row(other)).toBe(before);

    const created = await gw.client.request(CreateUserDocument, { input: { email: email.toUpperCase() } });
    expect(codes(created)).toEqual(['DUPLICATE_EMAIL']);
    expect(created.errors![0].extensions).toMatchObject({ existingUserId: holder });

    // Another project has its own namespace: the same values are free there, and its errors never name this project's user.
    const elsewhere = await gw.newProject();
    const mine = await gw.createUser({ email, externalId: taken }, elsewhere.client);
    const again = await elsewhere.client.request(CreateUserDocument, { input: { email } });
    expect(again.errors![0].extensions).toMatchObject({ code: 'DUPLICATE_EMAIL', existingUserId: mine });
    expect(JSON.stringify(again)).not.toContain(holder);
  });

  it('refuses each bad input with a coded error and writes nothing', async () => {
    const userId = await gw.createUser({ trustedMetadata: { big: 'x'.repeat(3000) } });
    const before = await row(userId);
    const refused = async (input: Omit<UpdateUserInput, 'userId'>, expected: [string, string]) => {
      const response = await update({ userId, ...input });
      expect([response.errors?.[0]?.extensions.code, (response.errors?.[0]?.extensions as { errorType?: string })?.errorType]).toEqual(expected);
      expect(await row(userId)).toBe(before);
    };
    await refused({ externalId: '' }, ['BAD_USER_INPUT', 'invalid_external_id']);
    await refused({ externalId: 'e'.repeat(129) }, ['BAD_USER_INPUT', 'invalid_external_id']);
    await refused({ externalId: `user-${randomUUID()}` }, ['BAD_USER_INPUT', 'invalid_external_id']);
    await refused({ name: { firstName: 'f'.repeat(256) } }, ['BAD_USER_INPUT', 'invalid_name']);
    await refused({ untrustedMetadata: { k: 'x'.repeat(5000) } }, ['BAD_USER_INPUT', 'invalid_metadata']);
    // Each fits alone; merged with what is stored it would not.
    await refused({ trustedMetadata: { more: 'y'.repeat(2000) } }, ['BAD_USER_INPUT', 'invalid_metadata']);
    expect(codes(await update({ userId: `user-${randomUUID()}`, name: { firstName: 'x' } }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await update({ userId: '', name: { firstName: 'x' } }))).toEqual(['INVALID_USER_ID']);
    // Another project's user, by id or by external id, is a missing user.
    const elsewhere = await gw.newProject();
    const foreignExt = ext();
    const foreign = await gw.createUser({ externalId: foreignExt }, elsewhere.client);
    expect(codes(await update({ userId: foreign, name: { firstName: 'x' } }))).toEqual(['USER_NOT_FOUND']);
    expect(codes(await update({ userId: foreignExt, name: { firstName: 'x' } }))).toEqual(['USER_NOT_FOUND']);
  });

  it('a session caller cannot update users or search them', async () => {
    const userId = await gw.createUser();
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    const asSession = sessionClient(gw.client, gw.project.publicToken, createSession.sessionToken);
    const response = await asSession.request(UpdateUserDocument, { input: { userId, trustedMetadata: { role: 'admin' } } });
    expect(codes(response)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect(JSON.stringify(response)).not.toContain('existingUserId');
  });

  describe('an external id wherever a user id is', () => {
    it('GraphQL: user, createTotp, authenticateTotp and sessions take it', async () => {
      const externalId = ext('app-user');
      const userId = await gw.createUser({ externalId });
      expect((await gw.client.data(GetUserDocument, { userId: externalId })).user.userId).toBe(userId);
      const { createTotp } = await gw.client.data(CreateTotpDocument, { input: { userId: externalId } });
      expect(createTotp.userId).toBe(userId);
      const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, { input: { userId: externalId, totpCode: totpCode(createTotp.secret), sessionDurationMinutes: 30 } });
      expect(authenticateTotp.userId).toBe(userId);
      expect((await gw.client.data(SessionsDocument, { userId: externalId })).sessions.map((s) => s.userId)).toEqual([userId]);
    });

    it('an unknown external id is USER_NOT_FOUND; a value that can be neither is INVALID_USER_ID', async () => {
      expect(codes(await gw.client.request(GetUserDocument, { userId: ext('missing') }))).toEqual(['USER_NOT_FOUND']);
      expect(codes(await gw.client.request(GetUserDocument, { userId: '' }))).toEqual(['INVALID_USER_ID']);
      expect(codes(await gw.client.request(GetUserDocument, { userId: 'x'.repeat(129) }))).toEqual(['INVALID_USER_ID']);
      expect(codes(await gw.client.request(GetUserDocument, { userId: 'a\u0000b' }))).toEqual(['INVALID_USER_ID']);
    });

    it('REST: path, body and query user_id take it', async () => {
      const externalId = ext('rest-user');
      const userId = await gw.createUser({ externalId });
      const rest = (method: string, path: string, body?: unknown) =>
        fetch(`${gw.url}/v1${path}`, { method, headers: { authorization: gw.client.authorization!, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
          async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
        );
      expect((await rest('GET', `/users/${encodeURIComponent(externalId)}`)).body).toMatchObject({ user_id: userId, external_id: externalId });
      const totp = await rest('POST', '/totps', { user_id: externalId });
      expect(totp.body).toMatchObject({ user_id: userId });
      const auth = await rest('POST', '/totps/authenticate', { user_id: externalId, totp_code: totpCode(totp.body.secret as string) });
      expect(auth.body).toMatchObject({ status_code: 200, user_id: userId });
      expect((await rest('GET', `/sessions?user_id=${encodeURIComponent(externalId)}`)).status).toBe(200);
      const missing = await rest('GET', `/users/${ext('nobody')}`);
      expect([missing.status, missing.body.error_type]).toEqual([404, 'user_not_found']);
      const updated = await rest('PUT', `/users/${encodeURIComponent(externalId)}`, { name: { first_name: 'Rest' }, trusted_metadata: { via: 'rest' } });
      expect(updated.body).toMatchObject({ user_id: userId, user: { name: { first_name: 'Rest' }, trusted_metadata: { via: 'rest' } } });
    });
  });
});
