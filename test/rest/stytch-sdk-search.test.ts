// Teams switching from Stytch: the official SDK's users.search, searchAll iteration and users.update run unchanged against POST /v1/users/search and PUT /v1/users/:id, and bad queries are Stytch-shaped 400s.
import { randomUUID } from 'node:crypto';
import * as stytch from 'stytch';
import { describeEachDialect, startGateway, totpCode, type TestGateway } from '../support/gateway';

async function stytchError(call: Promise<unknown>): Promise<stytch.StytchError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(stytch.StytchError);
  return error as stytch.StytchError;
}

describeEachDialect('the stytch SDK users.search against the gateway on %s', (dialect) => {
  let gw: TestGateway;
  let client: stytch.Client;
  const tag = randomUUID().slice(0, 8);
  const created: string[] = [];
  let verifiedUser: string;

  beforeAll(async () => {
    gw = await startGateway({ dialect });
    // A project of its own, so "every user" is exactly the users made here.
    const project = await gw.newProject();
    client = new stytch.Client({ project_id: project.projectId, secret: project.secret, env: `${gw.url}/v1/` });
    for (let i = 0; i < 5; i++) {
      const { user_id } = await client.users.create({ email: `Search${i}.${tag}@Example.com`, phone_number: `+1415555010${i}`, external_id: `search-${tag}-${i}` });
      created.push(user_id);
    }
    verifiedUser = created[2];
    const totp = await client.totps.create({ user_id: verifiedUser });
    await client.totps.authenticate({ user_id: verifiedUser, totp_code: totpCode(totp.secret) });
  });
  afterAll(() => gw?.close());

  const ids = (users: Array<{ user_id: string }>) => users.map((u) => u.user_id).sort();

  it('search: email_address (normalised), phone_number, user_id, totp_verified and status', async () => {
    const byEmail = await client.users.search({ query: { operator: 'AND', operands: [{ filter_name: 'email_address', filter_value: [`SEARCH1.${tag}@example.COM`, `search3.${tag}@example.com`] }] } });
    expect(byEmail.status_code).toBe(200);
    expect(ids(byEmail.results)).toEqual([created[1], created[3]].sort());
    expect(byEmail.results_metadata).toEqual({ total: 2, next_cursor: null });
    // Each result is the user as GET /v1/users/:id shows it.
    const fetched = await client.users.get({ user_id: created[1] });
    const { request_id: _r, status_code: _s, ...view } = fetched;
    expect(byEmail.results.find((u) => u.user_id === created[1])).toEqual(view);

    const byPhone = await client.users.search({ query: { operator: 'AND', operands: [{ filter_name: 'phone_number', filter_value: ['+1 (415) 555-0104'] }] } });
    expect(ids(byPhone.results)).toEqual([created[4]]);
    const verified = await client.users.search({ query: { operator: 'AND', operands: [{ filter_name: 'totp_verified', filter_value: true }, { filter_name: 'status', filter_value: 'active' }] } });
    expect(ids(verified.results)).toEqual([verifiedUser]);
    expect(verified.results[0].totps).toEqual([expect.objectContaining({ verified: true })]);
    const either = await client.users.search({ query: { operator: 'OR', operands: [{ filter_name: 'user_id', filter_value: [created[0]] }, { filter_name: 'totp_verified', filter_value: true }] } });
    expect(ids(either.results)).toEqual([created[0], verifiedUser].sort());
    expect((await client.users.search({ query: { operator: 'AND', operands: [{ filter_name: 'status', filter_value: 'pending' }] } })).results).toEqual([]);
  });

  it('searchAll iterates every page of an empty query, each user once, in a stable order', async () => {
    const pages: string[][] = [];
    for await (const page of client.users.searchAll({ limit: 2 })) pages.push(page.map((u) => u.user_id));
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual([...created].sort());
    const first = await client.users.search({ limit: 2 });
    expect(first.results_metadata.total).toBe(5);
    expect(first.results.map((u) => u.user_id)).toEqual(pages[0]);
    const second = await client.users.search({ limit: 2, cursor: first.results_metadata.next_cursor });
    expect(second.results.map((u) => u.user_id)).toEqual(pages[1]);
  });

  it('users.update with an external id, and DUPLICATE_EXTERNAL_ID naming the holder', async () => {
    const updated = await client.users.update({ user_id: `search-${tag}-0`, name: { first_name: 'Ada' }, trusted_metadata: { plan: 'pro' }, untrusted_metadata: { theme: 'dark' } });
    expect(updated).toMatchObject({ status_code: 200, user_id: created[0], user: { name: { first_name: 'Ada' }, trusted_metadata: { plan: 'pro' }, untrusted_metadata: { theme: 'dark' } } });
    const renamed = await client.users.update({ user_id: created[0], external_id: `search-${tag}-new` });
    expect(renamed.user.external_id).toBe(`search-${tag}-new`);
    const taken = await stytchError(client.users.update({ user_id: created[0], external_id: `search-${tag}-1` }));
    expect({ status: taken.status_code, type: taken.error_type }).toEqual({ status: 409, type: 'duplicate_external_id' });
    expect((taken as unknown as { error_details?: unknown }).error_details).toEqual({ existing_user_id: created[1] });
  });

  it.each([
    ['an unknown filter name', { query: { operator: 'AND', operands: [{ filter_name: 'email_address_fuzzy', filter_value: 'x' }] } }, 'invalid_filter_name'],
    ['a string where a list goes', { query: { operator: 'AND', operands: [{ filter_name: 'email_address', filter_value: 'a@example.com' }] } }, 'invalid_filter_value'],
    ['an empty list', { query: { operator: 'AND', operands: [{ filter_name: 'user_id', filter_value: [] }] } }, 'invalid_filter_value'],
    ['a malformed user id', { query: { operator: 'AND', operands: [{ filter_name: 'user_id', filter_value: ['nope'] }] } }, 'invalid_filter_value'],
    ['a string where a boolean goes', { query: { operator: 'AND', operands: [{ filter_name: 'totp_verified', filter_value: 'true' }] } }, 'invalid_filter_value'],
    ['an unknown status', { query: { operator: 'AND', operands: [{ filter_name: 'status', filter_value: 'deleted' }] } }, 'invalid_filter_value'],
    ['an unknown operator', { query: { operator: 'XOR', operands: [] } }, 'invalid_search_query'],
    ['an invalid email', { query: { operator: 'AND', operands: [{ filter_name: 'email_address', filter_value: ['not an email'] }] } }, 'invalid_email'],
    ['an operand without filter_name', { query: { operator: 'AND', operands: [{ filter_value: ['x'] }] } }, 'invalid_argument'],
    ['limit 0', { limit: 0 }, 'invalid_page_size'],
    ['limit 1001', { limit: 1001 }, 'invalid_page_size'],
    ['a string limit', { limit: '10' }, 'invalid_argument'],
    ['a forged cursor', { cursor: Buffer.from(`user-${randomUUID()}`).toString('base64url') }, 'invalid_cursor'],
    ['a cursor that is not one', { cursor: 'not-a-cursor' }, 'invalid_cursor'],
  ])('refuses %s with a Stytch-shaped 400', async (_name, body, errorType) => {
    const error = await stytchError(client.users.search(body as never));
    expect({ status: error.status_code, type: error.error_type }).toEqual({ status: 400, type: errorType });
    expect(error.error_message).toEqual(expect.any(String));
  });
});
