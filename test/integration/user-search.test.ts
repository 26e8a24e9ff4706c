// Finding users with `users(filter, first, after)`: exact matches after normalisation, TOTP and lock state at the injected clock, stable cursor pages, coded errors for bad arguments, and tenancy.
import { randomUUID } from 'node:crypto';
import { AuthenticateTotpDocument, CreateTotpDocument, DeleteUserDocument, UsersDocument, type UserFilter } from '../../client';
import { describeEachDialect, codes, startGateway, totpCode, type TestGateway, type TestProject } from '../support/gateway';
import type { Clock } from '../../src/common/clock';

const HOUR_MS = 3_600_000;

describeEachDialect('users(filter) on %s', (dialect) => {
  let gw: TestGateway;
  /** Frozen unless a test moves it, so several users share one created_at and the id orders them. */
  const clock = { t: Date.UTC(2026, 0, 1, 12), now() { return this.t; } } satisfies Clock & { t: number };

  beforeAll(async () => {
    // One wrong code locks for an hour; ten lock until an unlock.
    gw = await startGateway({ dialect, clock, env: { LOCKOUT_MAX_ATTEMPTS: '1', LOCKOUT_HARD_LIMIT: '10' } });
  });
  afterAll(() => gw?.close());

  const usersOf = (project: TestProject, variables: { filter?: UserFilter; first?: number; after?: string }) => project.client.request(UsersDocument, variables);
  const idsOf = async (project: TestProject, filter: UserFilter) => {
    const response = await usersOf(project, { filter, first: 100 });
    expect(codes(response)).toEqual([]);
    return response.data!.users.nodes.map((n) => n.userId).sort();
  };

  /** Reads every page of `size` and returns the user ids in the order they came. */
  async function allPages(project: TestProject, size: number, filter?: UserFilter): Promise<string[]> {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { users } = await project.client.data(UsersDocument, { filter, first: size, after });
      expect(users.nodes.map((n) => n.userId)).toEqual(users.edges.map((e) => e.node.userId));
      expect(users.pageInfo.hasPreviousPage).toBe(after !== undefined);
      seen.push(...users.nodes.map((n) => n.userId));
      if (!users.pageInfo.hasNextPage) return seen;
      expect(users.pageInfo.endCursor).toBe(users.edges.at(-1)!.cursor);
      after = users.pageInfo.endCursor!;
    }
  }

  it('pages through every user once, oldest first and by id within one instant', async () => {
    const project = await gw.newProject();
    const created: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < 7; i++) {
      if (i % 3 === 0) clock.t += 1000;
      created.push({ id: await gw.createUser({}, project.client), at: clock.t });
    }
    const expected = [...created].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((u) => u.id);
    expect(await allPages(project, 2)).toEqual(expected);
    expect(await allPages(project, 100)).toEqual(expected);
    expect(await allPages(project, 1)).toEqual(expected);
    // A user added after the first page was read appears on a later page, not twice or never.
    const first = await project.client.data(UsersDocument, { first: 3 });
    clock.t += 1000;
    const late = await gw.createUser({}, project.client);
    const rest = await project.client.data(UsersDocument, { first: 100, after: first.users.pageInfo.endCursor });
    expect(rest.users.nodes.map((n) => n.userId)).toEqual([...expected.slice(3), late]);
  });

  it('matches email, phone number and external id exactly after normalisation', async () => {
    const project = await gw.newProject();
    const tag = randomUUID().slice(0, 8);
    const grace = await gw.createUser({ email: `Grace.${tag}@Example.COM`, phoneNumber: '+1 (415) 555-0199', externalId: `ext-${tag}` }, project.client);
    await gw.createUser({ email: `grace.${tag}x@example.com`, externalId: `ext-${tag}-2` }, project.client);

    expect(await idsOf(project, { email: `GRACE.${tag}@example.com` })).toEqual([grace]);
    expect(await idsOf(project, { email: `  grace.${tag}@EXAMPLE.com.` })).toEqual([grace]);
    expect(await idsOf(project, { phoneNumber: '+14155550199' })).toEqual([grace]);
    expect(await idsOf(project, { phoneNumber: '+1 415-555-0199' })).toEqual([grace]);
    expect(await idsOf(project, { externalId: `ext-${tag}` })).toEqual([grace]);
    // Exact: no prefix, no case folding of external ids.
    expect(await idsOf(project, { externalId: `EXT-${tag}` })).toEqual([]);
    expect(await idsOf(project, { email: `grace@example.com` })).toEqual([]);
    // Every field given must hold.
    expect(await idsOf(project, { email: `grace.${tag}@example.com`, externalId: `ext-${tag}-2` })).toEqual([]);
  });

  it('totpVerified: at least one verified TOTP', async () => {
    const project = await gw.newProject();
    const none = await gw.createUser({}, project.client);
    const pending = await gw.createUser({}, project.client);
    await project.client.data(CreateTotpDocument, { input: { userId: pending } });
    const verified = await gw.enroll({ verify: true, client: project.client });

    expect(await idsOf(project, { totpVerified: true })).toEqual([verified.userId]);
    expect(await idsOf(project, { totpVerified: false })).toEqual([none, pending].sort());
    expect(await idsOf(project, {})).toEqual([none, pending, verified.userId].sort());
  });

  it("locked: a timed lock at the clock's now, and a lock only an unlock lifts", async () => {
    const project = await gw.newProject();
    const free = await gw.createUser({}, project.client);
    const timed = await gw.enroll({ verify: true, client: project.client });
    const hard = await gw.enroll({ verify: true, client: project.client });
    const wrong = (e: { userId: string; secret: string }) =>
      project.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret, 10, clock.t) } });

    expect(codes(await wrong(timed))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    for (let i = 0; i < 10; i++) {
      clock.t += 2 * HOUR_MS * 2 ** i; // past each escalating lock, so each wrong code is counted
      await wrong(hard);
    }
    // The timed lock has long ended; the hard one holds at any later time.
    expect(await idsOf(project, { locked: true })).toEqual([hard.userId]);
    expect(await idsOf(project, { locked: false })).toEqual([free, timed.userId].sort());
    expect(codes(await wrong(timed))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(await idsOf(project, { locked: true })).toEqual([timed.userId, hard.userId].sort());
    clock.t += 2 * HOUR_MS;
    expect(await idsOf(project, { locked: true })).toEqual([hard.userId]);
    expect(await idsOf(project, { locked: true, totpVerified: true })).toEqual([hard.userId]);
  });

  it('answers a coded error for each bad argument', async () => {
    const project = await gw.newProject();
    await gw.createUser({}, project.client);
    const errorOf = async (variables: Parameters<typeof usersOf>[1]) => {
      const response = await usersOf(project, variables);
      expect(response.data).toBeNull();
      const [error] = response.errors!;
      return [error.extensions.code, (error.extensions as { errorType?: string }).errorType];
    };
    for (const first of [0, -1, 101, 1000]) expect(await errorOf({ first })).toEqual(['BAD_USER_INPUT', 'invalid_page_size']);
    expect(await errorOf({ filter: { email: 'not an email' } })).toEqual(['BAD_USER_INPUT', 'invalid_email']);
    expect(await errorOf({ filter: { phoneNumber: '555-0199' } })).toEqual(['BAD_USER_INPUT', 'invalid_phone_number']);
    expect(await errorOf({ filter: { externalId: '' } })).toEqual(['BAD_USER_INPUT', 'invalid_external_id']);
    expect(await errorOf({ filter: { externalId: 'x'.repeat(129) } })).toEqual(['BAD_USER_INPUT', 'invalid_external_id']);
    const userCursor = (id: string) => Buffer.from(id).toString('base64url');
    for (const after of ['', 'nope', '!!!', userCursor(`user-${randomUUID()}`), userCursor(`event-${randomUUID()}`), `${userCursor(`user-${randomUUID()}`)}=`]) {
      expect(await errorOf({ after })).toEqual(['BAD_USER_INPUT', 'invalid_cursor']);
    }
  });

  it("never shows, or pages from, another project's users", async () => {
    const a = await gw.newProject();
    const b = await gw.newProject();
    const email = `shared-${randomUUID().slice(0, 8)}@example.com`;
    const inA = await gw.createUser({ email, externalId: 'shared-ext' }, a.client);
    const inB = await gw.createUser({ email, externalId: 'shared-ext' }, b.client);
    expect(await idsOf(a, { email })).toEqual([inA]);
    expect(await idsOf(b, { externalId: 'shared-ext' })).toEqual([inB]);
    expect(await allPages(b, 5)).toEqual([inB]);
    // A cursor of project A's user is no cursor in project B.
    const { users } = await a.client.data(UsersDocument, { first: 1 });
    const foreign = await usersOf(b, { after: users.pageInfo.endCursor! });
    expect(codes(foreign)).toEqual(['BAD_USER_INPUT']);
    expect(foreign.errors![0].extensions).toMatchObject({ errorType: 'invalid_cursor', field: 'after' });
  });

  it("a deleted user's cursor is refused, not silently restarted", async () => {
    const project = await gw.newProject();
    await gw.createUser({}, project.client);
    await gw.createUser({}, project.client);
    const { users } = await project.client.data(UsersDocument, { first: 1 });
    expect(users.pageInfo.hasNextPage).toBe(true);
    await project.client.data(DeleteUserDocument, { userId: users.nodes[0].userId });
    expect(codes(await usersOf(project, { after: users.pageInfo.endCursor! }))).toEqual(['BAD_USER_INPUT']);
  });
});
