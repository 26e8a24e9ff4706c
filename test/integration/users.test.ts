// Users over real HTTP: createUser / user / deleteUser, uniqueness per project, and malformed input that writes nothing.
import { randomUUID } from 'node:crypto';
import {
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  CreateUserDocument,
  DeleteTotpDocument,
  DeleteUserDocument,
  GetUserDocument,
  RecoverTotpDocument,
  type CreateUserInput,
} from '../../client';
import { describeEachDialect, codes, startGateway, totpCode, type TestGateway } from '../support/gateway';

const USER_ID = /^user-[0-9a-f-]{36}$/;

describeEachDialect('users on %s', (dialect) => {
  let gw: TestGateway;
  let seq = 0;
  /** A fresh, unique email for each use. */
  const email = (prefix = 'u') => `${prefix}${++seq}-${randomUUID().slice(0, 8)}@example.com`;
  const unknownUserId = () => `user-${randomUUID()}`;

  /** Row count of a table (counting is fine; nothing secret is read). */
  const count = async (table: string, where = ''): Promise<number> => {
    const rows: Array<{ n: number | string }> = await gw.gateway.db.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`);
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  describe('createUser', () => {
    it('creates a user with every field and echoes them back', async () => {
      const input: CreateUserInput = {
        email: 'Full.Person@Example.COM',
        phoneNumber: '+15555550123',
        name: { firstName: 'Ada', middleName: 'King', lastName: 'Lovelace' },
        externalId: 'ext-full-person',
        trustedMetadata: { role: 'admin', plan: { tier: 3, tags: ['a', 'b'] } },
        untrustedMetadata: { theme: 'dark', locale: 'en-GB' },
      };
      const { createUser } = await gw.client.data(CreateUserDocument, { input });

      expect(createUser.userId).toMatch(USER_ID);
      const { user } = createUser;
      expect(user).toEqual({
        userId: createUser.userId,
        emails: [{ email: 'full.person@example.com', verified: false }],
        phoneNumbers: [{ phoneNumber: '+15555550123', verified: false }],
        name: { firstName: 'Ada', middleName: 'King', lastName: 'Lovelace' },
        status: 'active',
        externalId: 'ext-full-person',
        trustedMetadata: { role: 'admin', plan: { tier: 3, tags: ['a', 'b'] } },
        untrustedMetadata: { theme: 'dark', locale: 'en-GB' },
        totps: [],
        isLocked: false,
        lockExpiresAt: null,
        createdAt: expect.any(String),
      });
      expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
    });

    it('defaults the optional fields of a minimal user', async () => {
      const { createUser } = await gw.client.data(CreateUserDocument, { input: { phoneNumber: '+442071838750' } });
      expect(createUser.userId).toMatch(USER_ID);
      expect(createUser.user).toMatchObject({
        emails: [],
        phoneNumbers: [{ phoneNumber: '+442071838750', verified: false }],
        name: { firstName: null, middleName: null, lastName: null },
        externalId: null,
        trustedMetadata: {},
        untrustedMetadata: {},
        totps: [],
        status: 'active',
      });
    });

    it('accepts values exactly at their limits', async () => {
      const blob = (bytes: number) => ({ k: 'x'.repeat(bytes - JSON.stringify({ k: '' }).length) });
      expect(Buffer.byteLength(JSON.stringify(blob(4096)))).toBe(4096);
      const response = await gw.client.request(CreateUserDocument, {
        input: {
          email: email(),
          name: { firstName: 'f'.repeat(255), middleName: 'm'.repeat(255), lastName: 'l'.repeat(255) },
          externalId: 'e'.repeat(128),
          trustedMetadata: blob(4096),
          untrustedMetadata: blob(4096),
        },
      });
      expect(codes(response)).toEqual([]);
      expect(response.data?.createUser.user.externalId).toBe('e'.repeat(128));
    });
  });

  describe('user and deleteUser', () => {
    it('reads a user back by id', async () => {
      const { createUser } = await gw.client.data(CreateUserDocument, {
        input: { email: email('read'), name: { firstName: 'Grace' }, externalId: `ext-${randomUUID()}` },
      });
      const { user } = await gw.client.data(GetUserDocument, { userId: createUser.userId });
      expect(user).toEqual(createUser.user);
    });

    it('deletes a user: user() then answers USER_NOT_FOUND, and so does a second delete', async () => {
      const userId = await gw.createUser();
      const { deleteUser } = await gw.client.data(DeleteUserDocument, { userId });
      expect(deleteUser).toEqual({ userId });
      expect(codes(await gw.client.request(GetUserDocument, { userId }))).toEqual(['USER_NOT_FOUND']);
      expect(codes(await gw.client.request(DeleteUserDocument, { userId }))).toEqual(['USER_NOT_FOUND']);
    });

    it("removes the user's TOTP, recovery codes and sessions with them", async () => {
      const { userId, totpId, secret, recoveryCodes } = await gw.enroll();
      const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, {
        input: { userId, totpCode: totpCode(secret), sessionDurationMinutes: 60 },
      });
      const sessionToken = authenticateTotp.sessionToken!;
      const sessionJwt = authenticateTotp.sessionJwt!;
      expect(sessionToken).toEqual(expect.any(String));
      // The session is live before the delete.
      expect(codes(await gw.client.request(AuthenticateSessionDocument, { input: { sessionToken } }))).toEqual([]);
      expect(await count('totps', `user_id = '${userId}'`)).toBe(1);
      expect(await count('totp_recovery_codes', `totp_id = '${totpId}'`)).toBe(10);

      await gw.client.data(DeleteUserDocument, { userId });

      expect(codes(await gw.client.request(AuthenticateSessionDocument, { input: { sessionToken } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await gw.client.request(AuthenticateSessionDocument, { input: { sessionJwt } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await gw.client.request(DeleteTotpDocument, { totpId }))).toEqual(['TOTP_NOT_FOUND']);
      expect(codes(await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret, 1) } }))).toEqual(['USER_NOT_FOUND']);
      expect(codes(await gw.client.request(RecoverTotpDocument, { input: { userId, recoveryCode: recoveryCodes[0] } }))).toEqual(['USER_NOT_FOUND']);
      expect(await count('totps', `user_id = '${userId}'`)).toBe(0);
      expect(await count('totp_recovery_codes', `totp_id = '${totpId}'`)).toBe(0);
      expect(await count('sessions', `user_id = '${userId}'`)).toBe(0);
    });

    it('answers INVALID_USER_ID for a malformed id and USER_NOT_FOUND for a well-formed unknown one', async () => {
      expect(codes(await gw.client.request(GetUserDocument, { userId: '' }))).toEqual(['INVALID_USER_ID']);
      expect(codes(await gw.client.request(DeleteUserDocument, { userId: '' }))).toEqual(['INVALID_USER_ID']);
      // A totp id is not a user id, even though it is well-formed for its own kind.
      expect(codes(await gw.client.request(GetUserDocument, { userId: `totp-${randomUUID()}` }))).toEqual(['INVALID_USER_ID']);
      const unknown = unknownUserId();
      expect(codes(await gw.client.request(GetUserDocument, { userId: unknown }))).toEqual(['USER_NOT_FOUND']);
      expect(codes(await gw.client.request(DeleteUserDocument, { userId: unknown }))).toEqual(['USER_NOT_FOUND']);
    });

    it("treats another project's user exactly like a missing one", async () => {
      const other = await gw.newProject();
      const userId = await gw.createUser({}, other.client);
      expect(codes(await gw.client.request(GetUserDocument, { userId }))).toEqual(['USER_NOT_FOUND']);
      expect(codes(await gw.client.request(DeleteUserDocument, { userId }))).toEqual(['USER_NOT_FOUND']);
      // Still there for its own project.
      expect((await other.client.data(GetUserDocument, { userId })).user.userId).toBe(userId);
    });
  });

  describe('uniqueness', () => {
    it('refuses a second user with the same email (DUPLICATE_EMAIL) and writes nothing', async () => {
      const address = email('dup');
      await gw.createUser({ email: address });
      const before = await count('users');
      const response = await gw.client.request(CreateUserDocument, { input: { email: address, phoneNumber: '+15555550199' } });
      expect(codes(response)).toEqual(['DUPLICATE_EMAIL']);
      expect(response.errors?.[0].extensions.errorType).toBe('duplicate_email');
      expect(await count('users')).toBe(before);
    });

    it('compares emails case-insensitively', async () => {
      const local = `case${randomUUID().slice(0, 8)}`;
      await gw.createUser({ email: `${local.toUpperCase()}@X.com` });
      const before = await count('users');
      expect(codes(await gw.client.request(CreateUserDocument, { input: { email: `${local}@x.com` } }))).toEqual(['DUPLICATE_EMAIL']);
      expect(await count('users')).toBe(before);
    });

    it('allows the same email in another project', async () => {
      const address = email('shared');
      await gw.createUser({ email: address });
      const other = await gw.newProject();
      const { createUser } = await other.client.data(CreateUserDocument, { input: { email: address.toUpperCase() } });
      expect(createUser.userId).toMatch(USER_ID);
      expect(createUser.user.emails).toEqual([{ email: address, verified: false }]);
    });

    it('refuses a second user with the same externalId (DUPLICATE_EXTERNAL_ID) and writes nothing', async () => {
      const externalId = `ext-${randomUUID()}`;
      await gw.createUser({ externalId });
      const before = await count('users');
      const response = await gw.client.request(CreateUserDocument, { input: { email: email('ext'), externalId } });
      expect(codes(response)).toEqual(['DUPLICATE_EXTERNAL_ID']);
      expect(await count('users')).toBe(before);
      // Another project may use the same external id.
      const other = await gw.newProject();
      expect(codes(await other.client.request(CreateUserDocument, { input: { email: email('ext'), externalId } }))).toEqual([]);
    });

    it('allows several users without an email or external id (only set values are unique)', async () => {
      const a = await gw.client.request(CreateUserDocument, { input: { phoneNumber: '+15555550100' } });
      const b = await gw.client.request(CreateUserDocument, { input: { phoneNumber: '+15555550101' } });
      expect([...codes(a), ...codes(b)]).toEqual([]);
    });
  });

  describe('malformed input', () => {
    const long = (n: number) => 'x'.repeat(n);
    // Object rows: jest treats an extra callback parameter beyond a short array row as `done`.
    const cases: Array<{ label: string; input: () => Record<string, unknown>; errorType?: string }> = [
      { label: 'an invalid email', input: () => ({ email: 'not-an-email' }), errorType: 'invalid_email' },
      { label: 'an email without a domain', input: () => ({ email: 'someone@' }), errorType: 'invalid_email' },
      { label: 'a phone number not in E.164', input: () => ({ phoneNumber: '12345' }), errorType: 'invalid_phone_number' },
      { label: 'a bad phone number beside a good email', input: () => ({ email: email(), phoneNumber: '12345' }) },
      { label: 'neither email nor phone number', input: () => ({ name: { firstName: 'Nobody' }, externalId: `ext-${randomUUID()}` }) },
      { label: 'an empty input', input: () => ({}) },
      { label: 'a first name over 255 characters', input: () => ({ email: email(), name: { firstName: long(256) } }) },
      { label: 'a middle name over 255 characters', input: () => ({ email: email(), name: { middleName: long(256) } }) },
      { label: 'a last name over 255 characters', input: () => ({ email: email(), name: { lastName: long(256) } }) },
      { label: 'an empty externalId', input: () => ({ email: email(), externalId: '' }) },
      { label: 'an externalId of 129 characters', input: () => ({ email: email(), externalId: long(129) }) },
      { label: 'trustedMetadata over 4 KiB', input: () => ({ email: email(), trustedMetadata: { blob: long(4096) } }) },
      { label: 'untrustedMetadata over 4 KiB', input: () => ({ email: email(), untrustedMetadata: { blob: long(4096) } }) },
      // Apollo's variable coercion, before any resolver runs.
      { label: 'an email that is not a string', input: () => ({ email: 5 }) },
      { label: 'a name that is not an object', input: () => ({ email: email(), name: 'Ada' }) },
      { label: 'trustedMetadata that is not an object', input: () => ({ email: email(), trustedMetadata: [1, 2, 3] }) },
      { label: 'an unknown field', input: () => ({ email: email(), nickname: 'ada' }) },
    ];

    it.each(cases)('refuses $label with BAD_USER_INPUT and writes nothing', async ({ input, errorType }) => {
      const before = await count('users');
      // Raw variables: several of these are deliberately outside the generated input type.
      const response = await gw.client.request(CreateUserDocument, { input: input() } as never);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      if (errorType) expect(response.errors?.[0].extensions.errorType).toBe(errorType);
      expect(response.data).toBeNull();
      expect(await count('users')).toBe(before);
    });

    it('refuses a missing input object with BAD_USER_INPUT', async () => {
      const before = await count('users');
      const response = await gw.client.request(CreateUserDocument, {} as never);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(await count('users')).toBe(before);
    });
  });
});
