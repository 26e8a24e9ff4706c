// TOTP parameters through HTTP: 8-digit SHA256 and SHA512 TOTPs with a 60-second period, created by GraphQL and by Stytch's REST route, accept codes computed independently (the `otpauth` package) and refuse replays per TOTP; a code of the wrong length spends no attempt and its message names the length of the TOTP chosen, else of the user's; and bad createTotp/renameTotp input (fuzzed) answers a coded error, spends no attempt and writes nothing.
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { AuthenticateTotpDeviceDocument, CreateTotpDeviceDocument, RenameTotpDocument, UserTotpsDocument } from '../../client';
import { seedFastCheck } from '../support/fast-check';
import { codes, describeEachDialect, startGateway, type Dialect, type TestGateway } from '../support/gateway';
import { codeOf, frozenClock } from '../support/devices';

seedFastCheck();

/** Codes a refused createTotp or renameTotp input may answer; anything else (or a 5xx) fails. */
const INPUT_REFUSALS = new Set(['INVALID_TOTP_LABEL', 'INVALID_TOTP_PARAMETERS', 'BAD_USER_INPUT', 'INVALID_USER_ID', 'INVALID_TOTP_ID', 'INVALID_EXPIRATION', 'GRAPHQL_VALIDATION_FAILED']);

describeEachDialect('TOTP parameters over HTTP on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  const clock = frozenClock();
  beforeAll(async () => {
    gw = await startGateway({ dialect, clock });
    await gw.gateway.services.projectSettings.update(gw.project.projectId, { maxTotpsPerUser: 2 });
  });
  afterAll(() => gw?.close());

  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> } };
  };
  const rest = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gw.url}/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const stateOf = async (userId: string) => (await gw.client.data(UserTotpsDocument, { userId })).user;

  it('an 8-digit SHA256 TOTP with a 60 s period (GraphQL) accepts otpauth\'s codes once each; a 6-digit code spends no attempt', async () => {
    const userId = await gw.createUser();
    const params = { algorithm: 'SHA256', digits: 8, period: 60 } as const;
    const { createTotp } = await gw.client.data(CreateTotpDeviceDocument, { input: { userId, ...params, label: 'Hardware-like' } });
    expect(createTotp).toMatchObject({ ...params, label: 'Hardware-like', compatibility: expect.stringMatching(/Google Authenticator/) });
    const parsed = OTPAuth.URI.parse(createTotp.otpauthUri) as OTPAuth.TOTP;
    expect([parsed.algorithm, parsed.digits, parsed.period]).toEqual(['SHA256', 8, 60]);

    const authenticate = (totpCode: string) => gw.client.request(AuthenticateTotpDeviceDocument, { input: { userId, totpCode } });
    expect(codes(await authenticate(codeOf(createTotp.secret, {}, clock.now())))).toEqual(['INVALID_TOTP_CODE']);
    const first = await authenticate(parsed.generate({ timestamp: clock.now() - 60_000 }));
    expect([codes(first), first.data?.authenticateTotp.totpId]).toEqual([[], createTotp.totpId]);
    expect(first.data?.authenticateTotp.user.consecutiveFailures).toBe(0);
    const now = codeOf(createTotp.secret, params, clock.now());
    expect(now).toHaveLength(8);
    expect(codes(await authenticate(now))).toEqual([]);
    expect(codes(await authenticate(now))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    // Steps are 60 s: thirty seconds on, the same step's code is still a replay; a minute on, the next code works.
    clock.advance(30_000);
    expect(codes(await authenticate(codeOf(createTotp.secret, params, clock.now())))).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    clock.advance(30_000);
    expect(codes(await authenticate(codeOf(createTotp.secret, params, clock.now())))).toEqual([]);
    expect((await stateOf(userId)).totps[0]).toMatchObject({ algorithm: 'SHA256', digits: 8, period: 60, label: 'Hardware-like' });
  });

  it('a code of the wrong length is refused naming the TOTP the request chose, else the user\'s TOTPs', async () => {
    const refusal = async (userId: string, totpId?: string) => {
      const { errors } = await gw.client.request(AuthenticateTotpDeviceDocument, { input: { userId, totpCode: '123456', ...(totpId && { totpId }) } });
      return [errors?.[0].extensions.code, errors?.[0].message];
    };
    // A 6-digit and an 8-digit TOTP: a 6-digit code aimed at the 8-digit one is about that TOTP, not the user.
    const both = await gw.createUser();
    const eight = (await gw.client.data(CreateTotpDeviceDocument, { input: { userId: both, digits: 8 } })).createTotp;
    await gw.client.data(CreateTotpDeviceDocument, { input: { userId: both } });
    expect(await refusal(both, eight.totpId)).toEqual(['INVALID_TOTP_CODE', expect.stringMatching(/^This TOTP's codes are 8 digits 0-9;/)]);
    const only8 = await gw.createUser();
    await gw.client.data(CreateTotpDeviceDocument, { input: { userId: only8, digits: 8 } });
    expect(await refusal(only8)).toEqual(['INVALID_TOTP_CODE', expect.stringMatching(/^This user's TOTP codes are 8 digits 0-9;/)]);
  });

  it('an 8-digit SHA512 TOTP with a 60 s period (REST, Stytch\'s routes plus label, algorithm, digits, period, totp_id)', async () => {
    const userId = await gw.createUser();
    const created = await rest('/totps', { user_id: userId, label: 'Desk token', algorithm: 'SHA512', digits: 8, period: 60 });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ label: 'Desk token', algorithm: 'SHA512', digits: 8, period: 60, compatibility: expect.any(String) });
    const secret = created.body.secret as string;
    const totpId = created.body.totp_id as string;
    const code = codeOf(secret, { algorithm: 'SHA512', digits: 8, period: 60 }, clock.now());
    const ok = await rest('/totps/authenticate', { user_id: userId, totp_code: code, totp_id: totpId });
    expect([ok.status, ok.body.totp_id]).toEqual([200, totpId]);
    const replay = await rest('/totps/authenticate', { user_id: userId, totp_code: code });
    expect([replay.status, replay.body.error_type]).toEqual([401, 'totp_code_already_authenticated']);
    const wrongId = await rest('/totps/authenticate', { user_id: userId, totp_code: code, totp_id: 'totp-00000000-0000-4000-8000-000000000000' });
    expect([wrongId.status, wrongId.body.error_type]).toEqual([404, 'totp_not_found']);
    for (const bad of [{ algorithm: 'sha-512' }, { digits: 7 }, { period: 45 }, { label: '' }, { digits: '8' }]) {
      const refused = await rest('/totps', { user_id: userId, ...bad });
      expect([bad, refused.status]).toEqual([bad, 400]);
    }
    expect((await stateOf(userId)).totps.map((t) => t.totpId)).toEqual([totpId]);
  });

  it('a default TOTP is SHA1, 6 digits, 30 s, with no compatibility note', async () => {
    const userId = await gw.createUser();
    const { createTotp } = await gw.client.data(CreateTotpDeviceDocument, { input: { userId } });
    expect(createTotp).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30, compatibility: null, label: 'Authenticator app' });
    expect(createTotp.otpauthUri).toMatch(/&algorithm=SHA1&digits=6&period=30$/);
  });

  it('fuzzed createTotp input: a coded refusal, no attempt spent, nothing written', async () => {
    const userId = await gw.createUser();
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('SHA1', 'SHA256', 'SHA512', 'sha1', 'MD5', 6, 8, 7, 30, 60, 0, -1, '', ' ', 'x'.repeat(65)));
    const input = fc.record({ label: value, algorithm: value, digits: value, period: value, expirationMinutes: value }, { requiredKeys: [] });
    const CREATE = 'mutation($input: CreateTotpInput!) { createTotp(input: $input) { totpId } }';
    await fc.assert(
      fc.asyncProperty(input, async (fields) => {
        const { status, body } = await graphql(CREATE, { input: { userId, ...fields } });
        expect(status).toBeLessThan(500);
        // Accepted only when every field is within its rule (a pending TOTP, which the next create replaces).
        for (const code of codes(body)) expect(INPUT_REFUSALS).toContain(code);
      }),
      { numRuns: 60 },
    );
    const after = await stateOf(userId);
    expect(after.totps.every((t) => t.verified === false)).toBe(true);
    expect(after.totps.length).toBeLessThanOrEqual(2); // maxTotpsPerUser here
    expect((await gw.gateway.services.users.get(gw.project.projectId, userId)).consecutiveFailures).toBe(0);
  });

  it('fuzzed renameTotp labels: a coded refusal changes nothing; an accepted one is stored trimmed', async () => {
    const userId = await gw.createUser();
    const { createTotp } = await gw.client.data(CreateTotpDeviceDocument, { input: { userId, label: 'Start' } });
    const RENAME = 'mutation($input: RenameTotpInput!) { renameTotp(input: $input) { totp { label } } }';
    let expected = 'Start';
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 70 }), fc.integer(), fc.constant(null)), async (label) => {
        const { status, body } = await graphql(RENAME, { input: { totpId: createTotp.totpId, label } });
        expect(status).toBeLessThan(500);
        if (body.errors?.length) for (const code of codes(body)) expect(INPUT_REFUSALS).toContain(code);
        else expected = (label as string).trim();
        expect((await stateOf(userId)).totps[0].label).toBe(expected);
      }),
      { numRuns: 60 },
    );
    expect(codes(await gw.client.request(RenameTotpDocument, { input: { totpId: 'nope', label: 'x' } }))).toEqual(['INVALID_TOTP_ID']);
  });
});
