// Threat: the users search/update and external ids turned against the gateway: an external id that is accepted yet unusable, or that passes for another user's id; text the validator counts shorter than the database does (500s); session callers learning external ids; lost or 500-ing concurrent updates; search values acting as patterns.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { seedFastCheck } from '../support/fast-check';
import { describeEachDialect, startGateway, type TestGateway } from '../support/gateway';

seedFastCheck();

/** What the root fields used here answer (each selects some of these). */
interface Root {
  readonly userId?: string;
  readonly user?: Record<string, unknown>;
  readonly trustedMetadata?: Record<string, unknown>;
  readonly nodes?: Array<{ userId: string }>;
  readonly sessionToken?: string;
}

interface Answer {
  readonly status: number;
  readonly data: Record<string, Root> | null;
  readonly code?: string;
  readonly errorType?: string;
}

const CREATE = 'mutation($input: CreateUserInput!) { createUser(input: $input) { userId user { externalId name { firstName lastName } } } }';
const UPDATE = 'mutation($input: UpdateUserInput!) { updateUser(input: $input) { userId user { externalId trustedMetadata name { firstName } } } }';
const GET = 'query($userId: ID!) { user(userId: $userId) { userId externalId trustedMetadata } }';
const USERS = 'query($filter: UserFilter) { users(filter: $filter, first: 100) { nodes { userId } } }';
const CREATE_TOTP = 'mutation($userId: ID!) { createTotp(input: { userId: $userId }) { totpId } }';
const CREATE_SESSION = 'mutation($userId: ID!) { createSession(input: { userId: $userId, sessionDurationMinutes: 60 }) { sessionToken } }';

describeEachDialect('users, updateUser and external ids under attack on %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  /** One GraphQL request over HTTP (raw, so any variable shape can be sent) as the project's backend unless `headers` say otherwise. */
  async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string> = { authorization: gw.client.authorization! }): Promise<Answer> {
    const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data: Answer['data']; errors?: Array<{ extensions: { code: string; errorType?: string } }> };
    return { status: response.status, data: body.data, code: body.errors?.[0]?.extensions.code, errorType: body.errors?.[0]?.extensions.errorType };
  }
  const email = () => `attack-${randomUUID()}@example.com`;
  const row = async (userId: string) => JSON.stringify(await gw.gateway.db.dataSource.query(`SELECT * FROM users WHERE id = '${userId}'`));

  describe('external ids', () => {
    // Each looks like, or hides, a gateway id or a path, or is counted shorter by a validator than by PostgreSQL's varchar(128).
    const refused: Array<[string, string]> = [
      ['an id with a trailing space', `user-${randomUUID()} `],
      ['an id with a leading space', ` user-${randomUUID()}`],
      ['an id with a trailing newline', `user-${randomUUID()}\n`],
      ['an id with a zero-width space', `user-${randomUUID()}\u200b`],
      ['a fullwidth id', `ｕｓｅｒ-${randomUUID()}`],
      ['a path', 'tenant/alice'],
      ['an email address', 'alice@example.com'],
      ['100 emoji (200 UTF-16 units)', '\u{1F600}'.repeat(100)],
      ['100 letters with variation selectors (200 code points)', 'a\ufe0f'.repeat(100)],
    ];

    it.each(refused)('refuses %s at createUser and updateUser, and writes nothing', async (_label, externalId) => {
      const created = await gql(CREATE, { input: { email: email(), externalId } });
      expect([created.code, created.errorType]).toEqual(['BAD_USER_INPUT', 'invalid_external_id']);
      const userId = await gw.createUser();
      const before = await row(userId);
      const updated = await gql(UPDATE, { input: { userId, externalId } });
      expect([updated.code, updated.errorType]).toEqual(['BAD_USER_INPUT', 'invalid_external_id']);
      expect(await row(userId)).toBe(before);
    });

    it("every external id the gateway accepts names its user wherever a user id is taken (Stytch's alphabet: letters, digits, '.', '_', '-')", async () => {
      const anyText = fc.oneof(fc.string({ minLength: 1, maxLength: 140 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 140 }), fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/));
      await fc.assert(
        fc.asyncProperty(anyText, async (externalId) => {
          const created = await gql(CREATE, { input: { email: email(), externalId } });
          if (created.code !== undefined) {
            // Refused, never a 5xx: either it is taken already or it is no external id.
            expect(['DUPLICATE_EXTERNAL_ID', 'BAD_USER_INPUT', 'DATABASE_BUSY']).toContain(created.code);
            return;
          }
          const userId = created.data!.createUser.userId!;
          expect(created.data!.createUser.user!.externalId).toBe(externalId);
          expect(/^[A-Za-z0-9._-]{1,128}$/.test(externalId)).toBe(true);
          expect((await gql(GET, { userId: externalId })).data?.user.userId).toBe(userId);
          expect((await gql(USERS, { filter: { externalId } })).data?.users.nodes).toEqual([{ userId }]);
        }),
        { numRuns: 40 },
      );
    });

    it('an external id stored before the alphabet rule (any text of up to 128 characters) still names its user, and can be searched', async () => {
      for (const legacy of ['\u{1F600}'.repeat(128), `ü ${randomUUID()}`]) {
        const userId = await gw.createUser();
        // A row written under the earlier rule (any 1..128 characters), as a deployment upgraded in place holds it.
        await gw.gateway.db.dataSource.query(`UPDATE users SET external_id = ${dialect === 'postgres' ? '$1' : '?'} WHERE id = '${userId}'`, [legacy]);
        const got = await gql(GET, { userId: legacy });
        expect([got.code, got.data?.user.userId]).toEqual([undefined, userId]);
        expect((await gql(USERS, { filter: { externalId: legacy } })).data?.users.nodes).toEqual([{ userId }]);
        // Other fields can still be changed; the stored external id stays as it is.
        const renamed = await gql(UPDATE, { input: { userId: legacy, name: { firstName: 'Kept' } } });
        expect(renamed.data?.updateUser.user).toMatchObject({ externalId: legacy, name: { firstName: 'Kept' } });
      }
    });

    it('a session caller learns nothing of other users through external ids (cheap guard)', async () => {
      const own = await gw.createUser();
      const otherExt = `other-${randomUUID()}`;
      const other = await gw.createUser({ externalId: otherExt });
      const { data } = await gql(CREATE_SESSION, { userId: own });
      const asSession = { 'x-public-token': gw.project.publicToken, authorization: `Bearer ${data!.createSession.sessionToken}` };
      const before = await row(other);
      for (const userId of [otherExt, `nobody-${randomUUID()}`]) expect((await gql(CREATE_TOTP, { userId }, asSession)).code).toBe('USER_NOT_FOUND');
      for (const query of [USERS, UPDATE]) {
        const answer = await gql(query, { filter: { externalId: otherExt }, input: { userId: otherExt, trustedMetadata: { role: 'admin' } } }, asSession);
        expect([answer.status, answer.code]).toEqual([401, 'UNAUTHORIZED_CREDENTIALS']);
      }
      expect(await row(other)).toBe(before);
    });
  });

  describe('REST user_id', () => {
    const rest = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${gw.url}/v1${path}`, { method, headers: { authorization: gw.client.authorization!, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { error_type?: string; user_id?: string; results?: unknown[] } };
    };

    it('is read only where the route declares it: elsewhere it is an unknown field, ignored, never looked up or refused', async () => {
      const userId = await gw.createUser();
      const stray = `nobody-${randomUUID()}`;
      const searched = await rest('POST', `/users/search?user_id=${stray}`, {});
      expect([searched.status, searched.body.error_type]).toEqual([200, undefined]);
      const created = await rest('POST', `/users?user_id=${stray}`, { email: email() });
      expect([created.status, created.body.error_type]).toEqual([200, undefined]);
      // PUT reads the user from the path; a user_id in its body is not the user it updates.
      const updated = await rest('PUT', `/users/${userId}`, { user_id: stray, name: { first_name: 'Path' } });
      expect([updated.status, updated.body.user_id]).toEqual([200, userId]);
    });
  });

  describe('tenancy (cheap guards)', () => {
    it("project B finds, pages into and updates none of project A's users, by id, TOTP id, external id or cursor", async () => {
      const a = await gw.newProject();
      const b = await gw.newProject();
      const externalId = `tenant-${randomUUID()}`;
      const victim = await gw.enroll({ verify: true, client: a.client });
      expect((await gql(UPDATE, { input: { userId: victim.userId, externalId } }, { authorization: a.client.authorization! })).code).toBeUndefined();
      await gw.createUser({}, b.client);
      const before = await row(victim.userId);
      const asB = { authorization: b.client.authorization!, 'content-type': 'application/json' };
      const search = (body: unknown) => fetch(`${gw.url}/v1/users/search`, { method: 'POST', headers: asB, body: JSON.stringify(body) }).then(async (r) => [r.status, (await r.json()) as { results?: unknown[]; results_metadata?: { total: number }; error_type?: string }] as const);
      for (const [filterName, value] of [['user_id', victim.userId], ['totp_id', victim.totpId], ['external_id', externalId]]) {
        const [status, body] = await search({ query: { operator: 'OR', operands: [{ filter_name: filterName, filter_value: [value] }] } });
        expect([status, body.results, body.results_metadata?.total]).toEqual([200, [], 0]);
      }
      const cursor = Buffer.from(victim.userId).toString('base64url');
      const [status, body] = await search({ cursor });
      expect([status, body.error_type]).toEqual([400, 'invalid_cursor']);
      for (const ref of [victim.userId, externalId]) {
        const put = await fetch(`${gw.url}/v1/users/${ref}`, { method: 'PUT', headers: asB, body: JSON.stringify({ trusted_metadata: { owned: true } }) });
        expect([put.status, ((await put.json()) as { error_type: string }).error_type]).toEqual([404, 'user_not_found']);
      }
      expect(await row(victim.userId)).toBe(before);
    });
  });

  describe('name parts', () => {
    it('are counted as the database counts them: 200 letters with variation selectors are 400 characters, over 255', async () => {
      const firstName = 'a\ufe0f'.repeat(200);
      const created = await gql(CREATE, { input: { email: email(), name: { firstName } } });
      expect([created.code, created.errorType]).toEqual(['BAD_USER_INPUT', 'invalid_name']);
      const userId = await gw.createUser();
      const before = await row(userId);
      const updated = await gql(UPDATE, { input: { userId, name: { firstName } } });
      expect([updated.code, updated.errorType]).toEqual(['BAD_USER_INPUT', 'invalid_name']);
      expect(await row(userId)).toBe(before);
    });

    it('255 emoji are 255 characters: accepted and returned whole', async () => {
      const lastName = '\u{1F600}'.repeat(255);
      const created = await gql(CREATE, { input: { email: email(), name: { lastName } } });
      expect(created.code).toBeUndefined();
      expect(created.data!.createUser.user!.name).toEqual({ firstName: null, lastName });
      const updated = await gql(UPDATE, { input: { userId: created.data!.createUser.userId, name: { firstName: lastName } } });
      expect(updated.data?.updateUser.user!.name).toEqual({ firstName: lastName });
    });
  });

  describe('concurrency and search values (cheap guards)', () => {
    it('concurrent metadata updates of one user all land; concurrent claims of one external id: one wins, the rest are DUPLICATE_EXTERNAL_ID', async () => {
      const userId = await gw.createUser();
      const merges = await Promise.all(Array.from({ length: 12 }, (_, i) => gql(UPDATE, { input: { userId, trustedMetadata: { [`k${i}`]: i } } })));
      expect(merges.map((m) => m.code)).toEqual(Array(12).fill(undefined));
      expect(Object.keys((await gql(GET, { userId })).data!.user.trustedMetadata!).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `k${i}`).sort());

      const claimants = await Promise.all(Array.from({ length: 8 }, () => gw.createUser()));
      const externalId = `claimed-${randomUUID()}`;
      const claims = await Promise.all(claimants.map((id) => gql(UPDATE, { input: { userId: id, externalId } })));
      expect(claims.filter((c) => c.code === undefined)).toHaveLength(1);
      expect(claims.filter((c) => c.code !== undefined).map((c) => c.code)).toEqual(Array(7).fill('DUPLICATE_EXTERNAL_ID'));
    });

    it("updateUser's metadata merge never sees a prototype key: variables, literals and REST bodies are refused, nothing written", async () => {
      const userId = await gw.createUser({ trustedMetadata: { plan: 'free' } });
      const before = await row(userId);
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const viaVariables = await gql(UPDATE, { input: { userId, trustedMetadata: JSON.parse(`{"${key}": {"isAdmin": true}}`) } });
        expect([viaVariables.code, viaVariables.errorType]).toEqual(['BAD_USER_INPUT', 'forbidden_json_key']);
        const viaLiteral = await gql(`mutation { updateUser(input: { userId: "${userId}", untrustedMetadata: { ${key}: { isAdmin: true } } }) { userId } }`, {});
        expect([viaLiteral.code, viaLiteral.errorType]).toEqual(['BAD_USER_INPUT', 'forbidden_json_key']);
        const viaRest = await fetch(`${gw.url}/v1/users/${userId}`, {
          method: 'PUT',
          headers: { authorization: gw.client.authorization!, 'content-type': 'application/json' },
          body: `{"trusted_metadata": {"${key}": {"isAdmin": true}}}`,
        });
        expect(viaRest.status).toBe(400);
      }
      expect(await row(userId)).toBe(before);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('LIKE wildcards in a searched email or external id match only themselves', async () => {
      const tag = randomUUID().slice(0, 8);
      const exact = await gw.createUser({ email: `a_b.${tag}@example.com`, externalId: `x_${tag}` });
      await gw.createUser({ email: `axb.${tag}@example.com`, externalId: `xy${tag}` });
      expect((await gql(USERS, { filter: { email: `a_b.${tag}@example.com` } })).data?.users.nodes).toEqual([{ userId: exact }]);
      expect((await gql(USERS, { filter: { externalId: `x_${tag}` } })).data?.users.nodes).toEqual([{ userId: exact }]);
      expect((await gql(USERS, { filter: { externalId: '%' } })).data?.users.nodes).toEqual([]);
    });
  });
});
