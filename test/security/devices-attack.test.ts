// Threat: an adversary against several TOTPs per user — one lockout budget stretched across devices (parallel, aliased, batched), codes replayed across devices or periods, devices planted or named across users and projects, hostile labels and parameters, deletions racing sign-ins.
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import * as OTPAuth from 'otpauth';
import {
  AuthenticateTotpDeviceDocument,
  CreateSessionDocument,
  CreateTotpDeviceDocument,
  DeleteTotpDocument,
  RecoverTotpDeviceDocument,
  RegenerateTotpDeviceRecoveryCodesDocument,
  RenameTotpDocument,
  UserTotpsDocument,
  type CreateTotpInput,
} from '../../client';
import { codes, describeEachDialect, describePostgres, sessionClient, startGateway, type Dialect, type TestGateway } from '../support/gateway';
import { codeOf, frozenClock, wrongCodeFor, type CodeParameters } from '../support/devices';

const MAX_ATTEMPTS = 5;
type Raw = { data?: Record<string, unknown> | null; errors?: Array<{ path?: string[]; extensions?: { code?: string } }> };

/** Shared by both suites: a gateway with a frozen clock, a low lockout threshold and room for 10 devices. */
function attackGateway(dialect: Dialect) {
  const clock = frozenClock();
  const ctx = { gw: undefined as unknown as TestGateway, clock };
  beforeAll(async () => {
    ctx.gw = await startGateway({ dialect, clock, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
    await ctx.gw.gateway.services.projectSettings.update(ctx.gw.project.projectId, { maxTotpsPerUser: 10 });
  });
  afterAll(() => ctx.gw?.close());
  const h = {
    create: (input: CreateTotpInput, client = ctx.gw.client) => client.request(CreateTotpDeviceDocument, { input }),
    authenticate: (userId: string, totpCode: string, extra: { totpId?: string } = {}, client = ctx.gw.client) =>
      client.request(AuthenticateTotpDeviceDocument, { input: { userId, totpCode, ...extra } }),
    totpsOf: async (userId: string) => (await ctx.gw.client.data(UserTotpsDocument, { userId })).user.totps,
    failures: async (userId: string) => (await ctx.gw.gateway.services.users.get(ctx.gw.project.projectId, userId)).consecutiveFailures,
    /** A device added and verified with the step before now's code (now's stays unused). */
    async addDevice(userId: string, params: CodeParameters & { label?: string } = {}) {
      clock.advance(1);
      const { label, ...rfc } = params;
      const input = { userId, label, algorithm: rfc.algorithm ?? undefined, digits: rfc.digits ?? undefined, period: rfc.period ?? undefined };
      const { createTotp } = await ctx.gw.client.data(CreateTotpDeviceDocument, { input });
      const verified = await h.authenticate(userId, codeOf(createTotp.secret, rfc, clock.now(), -1), { totpId: createTotp.totpId });
      expect(codes(verified)).toEqual([]);
      return { ...createTotp, params: rfc };
    },
    async raw(body: unknown): Promise<Raw | Raw[]> {
      const response = await fetch(`${ctx.gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: ctx.gw.client.authorization! },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(500);
      return (await response.json()) as Raw | Raw[];
    },
    async rest(method: string, path: string, body?: Record<string, unknown>) {
      const response = await fetch(`${ctx.gw.url}/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: ctx.gw.client.authorization! },
        body: body && JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
  return { ctx, h };
}

const GUESS = 'mutation Guess($input: AuthenticateTotpInput!) { authenticateTotp(input: $input) { totpId } }';

describeEachDialect('attacks on several TOTPs per user on %s', (dialect: Dialect) => {
  const { ctx, h } = attackGateway(dialect);
  const now = () => ctx.clock.now();

  it('ten devices: each wrong request spends exactly one attempt; aliases and a batch spend one per executed operation', async () => {
    const userId = await ctx.gw.createUser();
    const devices: Array<Awaited<ReturnType<typeof h.addDevice>>> = [];
    for (let i = 0; i < 10; i++) devices.push(await h.addDevice(userId, i % 2 ? { digits: 8, period: 60, algorithm: 'SHA512' } : {}));
    expect(await h.failures(userId)).toBe(0);
    const six = wrongCodeFor(devices.filter((d) => !d.params.digits).map((d) => ({ secret: d.secret })), now());
    const eight = wrongCodeFor(devices.filter((d) => d.params.digits).map((d) => ({ secret: d.secret, params: d.params })), now(), 8);
    expect(codes(await h.authenticate(userId, six))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(await h.failures(userId)).toBe(1);
    expect(codes(await h.authenticate(userId, eight))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(await h.failures(userId)).toBe(2);
    // A batch of 2*MAX guesses alternating lengths: never more than the budget left is judged.
    const batch = (await h.raw(Array.from({ length: 2 * MAX_ATTEMPTS }, (_, i) => ({ query: GUESS, variables: { input: { userId, totpCode: i % 2 ? eight : six } } })))) as Raw[];
    const verdicts = batch.map((r) => codes(r)[0] ?? 'OK');
    expect(verdicts.filter((v) => v === 'UNABLE_TO_AUTHENTICATE_TOTP').length).toBeLessThanOrEqual(MAX_ATTEMPTS - 2);
    expect(verdicts.every((v) => ['UNABLE_TO_AUTHENTICATE_TOTP', 'USER_LOCK_LIMIT_REACHED'].includes(v))).toBe(true);
    expect(codes(await h.authenticate(userId, codeOf(devices[9].secret, devices[9].params, now())))).toEqual(['USER_LOCK_LIMIT_REACHED']);
  });

  it('a code raced in one request (two aliases) and in parallel requests is accepted once; a 30 s code of a 60 s TOTP is refused', async () => {
    const userId = await ctx.gw.createUser();
    const a = await h.addDevice(userId, { period: 60 });
    await h.addDevice(userId);
    const code = codeOf(a.secret, a.params, now());
    const input = JSON.stringify({ userId, totpCode: code });
    const twice = (await h.raw({ query: `mutation { x: authenticateTotp(input: ${input.replace(/"(\w+)":/g, '$1:')}) { totpId } y: authenticateTotp(input: ${input.replace(/"(\w+)":/g, '$1:')}) { totpId } }` })) as Raw;
    expect(codes(twice)).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    expect((twice.errors ?? [])[0].path).toEqual(['y']);
    // Replays count as failures: two more, then the 30 s code, stay under the lockout threshold.
    const parallel = await Promise.all(Array.from({ length: 2 }, () => h.authenticate(userId, code)));
    expect(parallel.map((r) => codes(r)[0])).toEqual(Array(2).fill('TOTP_CODE_ALREADY_AUTHENTICATED'));
    // The same instant's 30-second code of the 60-second secret is another counter: refused.
    ctx.clock.advance(60_000);
    const thirty = codeOf(a.secret, { period: 30 }, now());
    if (thirty !== codeOf(a.secret, a.params, now())) expect(codes(await h.authenticate(userId, thirty, { totpId: a.totpId }))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(codes(await h.authenticate(userId, codeOf(a.secret, a.params, now())))).toEqual([]);
  });

  it('a pending device planted before the first verification (a password-only session) cannot sign in once the user verifies their own', async () => {
    const userId = await ctx.gw.createUser();
    const { createSession } = await ctx.gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    const attacker = sessionClient(ctx.gw.client, ctx.gw.project.publicToken, createSession.sessionToken);
    const planted = await h.create({ userId }, attacker);
    expect(codes(planted)).toEqual([]);
    const own = await h.addDevice(userId, { label: 'My phone' });
    // The account now has a second factor; the planted device is no longer a way past it.
    ctx.clock.advance(30_000);
    const signIn = await h.authenticate(userId, codeOf(planted.data!.createTotp.secret, {}, now()));
    expect(codes(signIn)).not.toEqual([]);
    expect(codes(await h.authenticate(userId, codeOf(planted.data!.createTotp.secret, {}, now()), { totpId: planted.data!.createTotp.totpId }))).not.toEqual([]);
    expect((await h.totpsOf(userId)).map((t) => t.totpId)).toEqual([own.totpId]);
    const recovered = await ctx.gw.client.request(RecoverTotpDeviceDocument, { input: { userId, recoveryCode: planted.data!.createTotp.recoveryCodes[0] } });
    expect(codes(recovered)).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    // And a password-only session cannot plant one beside the verified device.
    expect(codes(await h.create({ userId }, attacker))).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(codes(await h.authenticate(userId, codeOf(own.secret, {}, now())))).toEqual([]);
  });

  it('pending devices added beside a verified one (by the backend) still verify with their own code', async () => {
    const userId = await ctx.gw.createUser();
    await h.addDevice(userId);
    const second = (await ctx.gw.client.data(CreateTotpDeviceDocument, { input: { userId } })).createTotp;
    const third = (await ctx.gw.client.data(CreateTotpDeviceDocument, { input: { userId } })).createTotp;
    for (const device of [second, third]) {
      const ok = await h.authenticate(userId, codeOf(device.secret, {}, now()));
      expect([codes(ok), ok.data?.authenticateTotp.totpId]).toEqual([[], device.totpId]);
    }
    expect((await h.totpsOf(userId)).every((t) => t.verified)).toBe(true);
  });

  it('the enrollment transit grace (one more step back, 2 s after a boundary) is for a first device only, not for a pending one beside a verified one', async () => {
    const userId = await ctx.gw.createUser();
    const first = (await ctx.gw.client.data(CreateTotpDeviceDocument, { input: { userId } })).createTotp;
    ctx.clock.advance(30_000 - ((now() % 30_000) - 1_000)); // 1 s after a 30 s boundary
    expect(codes(await h.authenticate(userId, codeOf(first.secret, {}, now(), -2)))).toEqual([]);
    const second = (await ctx.gw.client.data(CreateTotpDeviceDocument, { input: { userId } })).createTotp;
    // A sign-in guess must not get a fourth step through a pending device (README: sign-in is strictly ±1 step).
    const old = codeOf(second.secret, {}, now(), -2);
    if (![-1, 0, 1].some((s) => codeOf(second.secret, {}, now(), s) === old)) expect(codes(await h.authenticate(userId, old))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(codes(await h.authenticate(userId, codeOf(second.secret, {}, now(), -1)))).toEqual([]);
  });

  it('code lengths do not mix: the 6-digit suffix of an 8-digit code is refused, and against 8-digit devices only it spends nothing', async () => {
    const userId = await ctx.gw.createUser();
    const eight = await h.addDevice(userId, { digits: 8 });
    const suffix = codeOf(eight.secret, eight.params, now()).slice(2);
    expect(codes(await h.authenticate(userId, suffix))).toEqual(['INVALID_TOTP_CODE']);
    expect(await h.failures(userId)).toBe(0);
    const six = await h.addDevice(userId);
    if (suffix !== codeOf(six.secret, {}, now()) && suffix !== codeOf(six.secret, {}, now(), 1)) {
      expect(codes(await h.authenticate(userId, suffix))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    }
    expect(codes(await h.authenticate(userId, codeOf(eight.secret, eight.params, now()).slice(0, 6), { totpId: eight.totpId }))).toEqual(['INVALID_TOTP_CODE']);
  });

  it('totpId of another user, another project, a deleted or an expired pending TOTP: not found or expired, never judged; expired pending never answers', async () => {
    const userId = await ctx.gw.createUser();
    const a = await h.addDevice(userId);
    const stranger = await ctx.gw.enroll();
    const other = await ctx.gw.newProject();
    const foreignUser = await ctx.gw.createUser({}, other.client);
    const foreign = (await other.client.data(CreateTotpDeviceDocument, { input: { userId: foreignUser } })).createTotp;
    const code = codeOf(a.secret, {}, now());
    expect(codes(await h.authenticate(userId, code, { totpId: stranger.totpId }))).toEqual(['TOTP_NOT_FOUND']);
    expect(codes(await h.authenticate(userId, code, { totpId: foreign.totpId }))).toEqual(['TOTP_NOT_FOUND']);
    for (const totpId of ['', ' ', `${a.totpId} `]) expect([totpId, codes(await h.authenticate(userId, code, { totpId }))]).toEqual([totpId, ['INVALID_TOTP_ID']]);
    expect(codes(await h.authenticate(userId, code, { totpId: a.totpId.toUpperCase() }))).toEqual(['TOTP_NOT_FOUND']); // ids match exactly
    const restNamed = await h.rest('POST', '/totps/authenticate', { user_id: userId, totp_code: code, totp_id: foreign.totpId });
    expect([restNamed.status, restNamed.body.error_type]).toEqual([404, 'totp_not_found']);
    // Another project naming our user: the user does not exist there.
    expect(codes(await other.client.request(AuthenticateTotpDeviceDocument, { input: { userId, totpCode: code } }))).toEqual(['USER_NOT_FOUND']);
    const expiring = (await ctx.gw.client.data(CreateTotpDeviceDocument, { input: { userId, expirationMinutes: 5 } })).createTotp;
    ctx.clock.advance(5 * 60_000 + 1);
    expect(codes(await h.authenticate(userId, codeOf(expiring.secret, {}, now()), { totpId: expiring.totpId }))).toEqual(['TOTP_EXPIRED']);
    expect(codes(await h.authenticate(userId, codeOf(expiring.secret, {}, now())))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    expect(await h.failures(userId)).toBe(1);
    const b = await h.addDevice(userId);
    await ctx.gw.client.data(DeleteTotpDocument, { totpId: b.totpId });
    expect(codes(await h.authenticate(userId, codeOf(b.secret, {}, now()), { totpId: b.totpId }))).toEqual(['TOTP_NOT_FOUND']);
    expect(await h.failures(userId)).toBe(0); // b's verification reset the count; the deleted TOTP spent nothing
    // renameTotp and regenerate across tenancy and users.
    expect(codes(await other.client.request(RenameTotpDocument, { input: { totpId: a.totpId, label: 'Mine' } }))).toEqual(['TOTP_NOT_FOUND']);
    expect(codes(await ctx.gw.client.request(RegenerateTotpDeviceRecoveryCodesDocument, { userId, totpId: stranger.totpId }))).toEqual(['TOTP_NOT_FOUND']);
    expect(codes(await ctx.gw.client.request(RegenerateTotpDeviceRecoveryCodesDocument, { userId, totpId: foreign.totpId }))).toEqual(['TOTP_NOT_FOUND']);
    expect(codes(await other.client.request(RegenerateTotpDeviceRecoveryCodesDocument, { userId: foreignUser, totpId: a.totpId }))).toEqual(['TOTP_NOT_FOUND']);
  });

  it('labels: bidi overrides and control characters refused, emoji counted as code points, whitespace-only refused; nothing is a 500', async () => {
    const userId = await ctx.gw.createUser();
    const { createTotp } = await ctx.gw.client.data(CreateTotpDeviceDocument, { input: { userId, label: 'Start' } });
    const rename = (label: string) => ctx.gw.client.request(RenameTotpDocument, { input: { totpId: createTotp.totpId, label } });
    for (const label of ['\u202Eppa rotacitnehtuA', 'Work\u2066 phone', 'a\u200Fb', '\u0085', ' \u3000 ', '😀'.repeat(65)]) {
      expect([label, codes(await rename(label))]).toEqual([label, ['INVALID_TOTP_LABEL']]);
    }
    expect(codes(await rename('x\u0000'))).toEqual(['BAD_USER_INPUT']); // NUL: refused before any resolver
    expect(codes(await h.create({ userId, label: '\u202Eevil' }))).toEqual(['INVALID_TOTP_LABEL']);
    expect((await h.totpsOf(userId))[0].label).toBe('Start');
    const family = '👨‍👩‍👧'; // 5 code points
    const ok = await rename(`${'😀'.repeat(59)}${family}`);
    expect([codes(ok), ok.data?.renameTotp.totp.label]).toEqual([[], `${'😀'.repeat(59)}${family}`]);
    const lone = (await h.raw({ query: 'mutation($i: RenameTotpInput!) { renameTotp(input: $i) { totpId } }', variables: { i: { totpId: createTotp.totpId, label: 'a\uD800b' } } })) as Raw;
    expect(['INVALID_TOTP_LABEL', 'BAD_USER_INPUT', 'BAD_REQUEST']).toContain(codes(lone)[0]); // a lone surrogate: refused at the HTTP edge
    expect((await h.totpsOf(userId))[0].label).toBe(`${'😀'.repeat(59)}${family}`);
  });

  it('parameters: SHA512/8/60 URI and QR decode to what independent codes use; bad values refused over GraphQL and REST', async () => {
    const userId = await ctx.gw.createUser();
    const QR = 'mutation($input: CreateTotpInput!) { createTotp(input: $input) { secret otpauthUri qrCode } }';
    const createTotp = ((await h.raw({ query: QR, variables: { input: { userId, algorithm: 'SHA512', digits: 8, period: 60 } } })) as Raw).data!.createTotp as Record<string, string>;
    const png = PNG.sync.read(Buffer.from(createTotp.qrCode.slice('data:image/png;base64,'.length), 'base64'));
    const uri = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    expect(uri).toBe(createTotp.otpauthUri);
    const parsed = OTPAuth.URI.parse(uri!) as OTPAuth.TOTP;
    expect([parsed.algorithm, parsed.digits, parsed.period, parsed.secret.base32]).toEqual(['SHA512', 8, 60, createTotp.secret]);
    expect(codes(await h.authenticate(userId, parsed.generate({ timestamp: now() })))).toEqual([]);
    const CREATE = 'mutation($input: CreateTotpInput!) { createTotp(input: $input) { totpId } }';
    for (const bad of [{ digits: 7 }, { digits: 0 }, { digits: 8.5 }, { digits: '8' }, { period: 0 }, { period: 30.5 }, { algorithm: 'sha1' }, { algorithm: 'MD5' }, { period: -30 }]) {
      const refused = (await h.raw({ query: CREATE, variables: { input: { userId, ...bad } } })) as Raw;
      expect([bad, codes(refused).length > 0]).toEqual([bad, true]);
      const rest = await h.rest('POST', '/totps', { user_id: userId, ...bad });
      expect([bad, rest.status]).toEqual([bad, 400]);
    }
    expect(await h.totpsOf(userId)).toHaveLength(1);
  });

  it('recovery: a code of a deleted device fails, codes of the remaining device work; regenerating needs the user\'s own totpId', async () => {
    const userId = await ctx.gw.createUser();
    const a = await h.addDevice(userId);
    const b = await h.addDevice(userId);
    await ctx.gw.client.data(DeleteTotpDocument, { totpId: a.totpId });
    const recover = (recoveryCode: string) => ctx.gw.client.request(RecoverTotpDeviceDocument, { input: { userId, recoveryCode } });
    expect(codes(await recover(a.recoveryCodes[1]))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    const ok = await recover(b.recoveryCodes[1]);
    expect([codes(ok), ok.data?.recoverTotp.totpId]).toEqual([[], b.totpId]);
    expect(codes(await ctx.gw.client.request(RegenerateTotpDeviceRecoveryCodesDocument, { userId, totpId: a.totpId }))).toEqual(['TOTP_NOT_FOUND']);
  });
});

describePostgres('races on several TOTPs per user on PostgreSQL', () => {
  const { ctx, h } = attackGateway('postgres');
  const now = () => ctx.clock.now();

  it('concurrent wrong codes across ten devices: at most LOCKOUT_MAX_ATTEMPTS are judged, then the lock', async () => {
    const userId = await ctx.gw.createUser();
    const devices: Array<Awaited<ReturnType<typeof h.addDevice>>> = [];
    for (let i = 0; i < 10; i++) devices.push(await h.addDevice(userId));
    const wrong = wrongCodeFor(devices.map((d) => ({ secret: d.secret })), now());
    const verdicts = await Promise.all(Array.from({ length: 4 * MAX_ATTEMPTS }, (_, i) => h.authenticate(userId, wrong, i % 3 ? { totpId: devices[i % 10].totpId } : {})));
    const judged = verdicts.filter((r) => codes(r)[0] === 'UNABLE_TO_AUTHENTICATE_TOTP').length;
    expect(judged).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(verdicts.every((r) => ['UNABLE_TO_AUTHENTICATE_TOTP', 'USER_LOCK_LIMIT_REACHED'].includes(codes(r)[0]))).toBe(true);
    expect(await h.failures(userId)).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(codes(await h.authenticate(userId, codeOf(devices[3].secret, {}, now())))).toEqual(['USER_LOCK_LIMIT_REACHED']);
  });

  it('deleting the matched device while its code signs in: TOTP_NOT_FOUND or success, never a 500, and no attempt left counted', async () => {
    for (let round = 0; round < 5; round++) {
      const userId = await ctx.gw.createUser();
      const a = await h.addDevice(userId);
      await h.addDevice(userId);
      const [signIn, deleted] = await Promise.all([
        h.authenticate(userId, codeOf(a.secret, {}, now())),
        ctx.gw.client.request(DeleteTotpDocument, { totpId: a.totpId }),
      ]);
      expect(codes(deleted)).toEqual([]);
      expect(['OK', 'TOTP_NOT_FOUND']).toContain(codes(signIn)[0] ?? 'OK');
      expect(await h.failures(userId)).toBe(0);
    }
  });

  it('two pending devices verified at once, before any is verified: one wins, the other is gone (TOTP_NOT_FOUND), no attempt counted', async () => {
    for (let round = 0; round < 3; round++) {
      const userId = await ctx.gw.createUser();
      const pending: Array<{ secret: string; totpId: string }> = [];
      for (let i = 0; i < 2; i++) pending.push((await ctx.gw.client.data(CreateTotpDeviceDocument, { input: { userId } })).createTotp);
      const verdicts = await Promise.all(pending.map((p, i) => h.authenticate(userId, codeOf(p.secret, {}, now()), i ? { totpId: p.totpId } : {})));
      expect(verdicts.map((r) => codes(r)[0] ?? 'OK').sort()).toEqual(['OK', 'TOTP_NOT_FOUND']);
      const winner = verdicts.find((r) => !codes(r).length)!.data!.authenticateTotp.totpId;
      expect((await h.totpsOf(userId)).map((t) => [t.totpId, t.verified])).toEqual([[winner, true]]);
      expect(await h.failures(userId)).toBe(0);
    }
  });

  it('parallel creates at a limit of 2 never leave more than 2 TOTPs, from zero or one verified device', async () => {
    await ctx.gw.gateway.services.projectSettings.update(ctx.gw.project.projectId, { maxTotpsPerUser: 2 });
    try {
      for (const verified of [0, 1]) {
        const userId = await ctx.gw.createUser();
        if (verified) await h.addDevice(userId);
        const created = await Promise.all(Array.from({ length: 8 }, (_, i) => h.create({ userId, label: `Race ${i}` })));
        expect(created.every((r) => codes(r).length === 0)).toBe(true);
        expect((await h.totpsOf(userId)).length).toBeLessThanOrEqual(2);
      }
    } finally {
      await ctx.gw.gateway.services.projectSettings.update(ctx.gw.project.projectId, { maxTotpsPerUser: 10 });
    }
  });
});
