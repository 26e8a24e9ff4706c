// Remembered devices: off by default; issued after a second factor, used in place of one (backend and session callers), counted as AAL2 only where the project says so; a wrong or expired token spends a lockout attempt and is audited; forgetting, a TOTP deletion, an unlock and deleteUser revoke them (GraphQL and REST).
import {
  AssuredAuthenticateTotpDocument,
  AssuredCreateSessionDocument,
  AssuredRecoverTotpDocument,
  AuthenticateRememberedDeviceDocument,
  AuthEventsDocument,
  DeleteTotpDocument,
  DeleteUserDocument,
  ForgetRememberedDeviceDocument,
  ForgetRememberedDevicesDocument,
  ProjectAssuranceDocument,
  RememberedDevicesDocument,
  UnlockUserDocument,
  UserLockDocument,
  type GatewayClient,
} from '../../client';
import { codes, describeEachDialect, sessionClient, startGateway, totpCode, type TestGateway, type TestProject } from '../support/gateway';

const DAY_MS = 24 * 60 * 60_000;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) remembered-devices-test';

describeEachDialect('remembered devices on %s', (dialect) => {
  let gw: TestGateway;
  let project: TestProject;
  let client: GatewayClient;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };

  beforeAll(async () => {
    gw = await startGateway({ dialect, clock });
    project = await gw.newProject();
    await gw.gateway.services.projectSettings.update(project.projectId, { rememberDevices: true });
    client = project.client.with({ headers: { 'user-agent': USER_AGENT } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** A verified user of the remembering project, and a device remembered for `days` by a TOTP code. */
  async function remembered(days = 30) {
    const e = await gw.enroll({ verify: true, client });
    const { authenticateTotp } = await client.data(AssuredAuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret, 0, clock.now()), rememberDeviceDays: days } });
    return { ...e, deviceToken: authenticateTotp.deviceToken!, rememberedDeviceId: authenticateTotp.rememberedDeviceId! };
  }
  const failures = async (userId: string) => (await client.data(UserLockDocument, { userId })).user.consecutiveFailures;
  /** The user's `device` audit events, newest first, as `device:<outcome>`. */
  const deviceEvents = async (userId: string) =>
    (await client.data(AuthEventsDocument, { userId })).authEvents.edges.map((e) => `${e.node.type}:${e.node.outcome}`).filter((e) => e.startsWith('device:'));

  it('is off by default: rememberDeviceDays is refused before any attempt is spent', async () => {
    expect((await gw.client.data(ProjectAssuranceDocument, {})).project).toMatchObject({ rememberDevices: false, rememberedDeviceAal2: false, mfaPolicy: 'OPTIONAL' });
    const e = await gw.enroll({ verify: true });
    const refused = await gw.client.request(AssuredAuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret, 0, clock.now()), rememberDeviceDays: 30 } });
    expect(codes(refused)).toEqual(['REMEMBERED_DEVICES_DISABLED']);
    const outOfRange = await client.request(AssuredAuthenticateTotpDocument, { input: { userId: e.userId, totpCode: '000000', rememberDeviceDays: 91 } });
    expect(codes(outOfRange)).toEqual(['INVALID_REMEMBER_DEVICE_DAYS']);
  });

  it('a TOTP code remembers a device (256-bit token, listed with its User-Agent); the token then adds a remembered_device factor, AAL1 unless the project counts it', async () => {
    const d = await remembered();
    expect(d.deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [listed] = (await client.data(RememberedDevicesDocument, { userId: d.userId })).rememberedDevices;
    expect(listed).toMatchObject({ rememberedDeviceId: d.rememberedDeviceId, userAgent: USER_AGENT, lastUsedAt: null });
    // The token is stored only as a keyed hash.
    expect((await gw.databaseBytes()).includes(Buffer.from(d.deviceToken))).toBe(false);

    const used = await client.data(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: d.deviceToken, sessionDurationMinutes: 60 } });
    expect(used.authenticateRememberedDevice.session).toMatchObject({
      assuranceLevel: 'AAL1',
      authenticationFactors: [{ type: 'remembered_device', deliveryMethod: 'remembered_device', rememberedDeviceId: d.rememberedDeviceId }],
    });
    expect((await client.data(RememberedDevicesDocument, { userId: d.userId })).rememberedDevices[0].lastUsedAt).not.toBeNull();

    await gw.gateway.services.projectSettings.update(project.projectId, { rememberedDeviceAal2: true });
    try {
      const counted = await client.data(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: d.deviceToken, sessionDurationMinutes: 60 } });
      expect(counted.authenticateRememberedDevice.session?.assuranceLevel).toBe('AAL2');
    } finally {
      await gw.gateway.services.projectSettings.update(project.projectId, { rememberedDeviceAal2: false });
    }
    const events = (await client.data(AuthEventsDocument, { userId: d.userId })).authEvents.edges.map((e) => `${e.node.type}:${e.node.outcome}`);
    expect(events.filter((e) => e.startsWith('device:'))).toEqual(['device:success', 'device:success', 'device:created']);
  });

  it('a recovery code remembers a device too, and a session caller adds the factor to its own session', async () => {
    const e = await gw.enroll({ verify: true, client });
    const { recoverTotp } = await client.data(AssuredRecoverTotpDocument, { input: { userId: e.userId, recoveryCode: e.recoveryCodes[0], rememberDeviceDays: 1 } });
    const { createSession } = await client.data(AssuredCreateSessionDocument, { input: { userId: e.userId, sessionDurationMinutes: 60 } });
    const browser = sessionClient(client, project.publicToken, createSession.sessionToken);
    const { authenticateRememberedDevice } = await browser.data(AuthenticateRememberedDeviceDocument, { input: { userId: e.userId, deviceToken: recoverTotp.deviceToken! } });
    expect(authenticateRememberedDevice.session?.sessionId).toBe(createSession.session.sessionId);
    expect(authenticateRememberedDevice.session?.authenticationFactors.map((f) => f.type)).toEqual(['external', 'remembered_device']);
    // Another user's id answers as a missing user does.
    const other = await remembered();
    expect(codes(await browser.request(AuthenticateRememberedDeviceDocument, { input: { userId: other.userId, deviceToken: other.deviceToken } }))).toEqual(['USER_NOT_FOUND']);
  });

  it('a wrong token spends a lockout attempt like a wrong code, audited; a malformed one spends nothing', async () => {
    const d = await remembered();
    const other = await remembered();
    const wrong = await client.request(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: other.deviceToken } });
    expect(codes(wrong)).toEqual(['UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE']);
    expect(await failures(d.userId)).toBe(1);
    expect(codes(await client.request(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: 'short' } }))).toEqual(['INVALID_DEVICE_TOKEN']);
    expect(await failures(d.userId)).toBe(1);
    const [latest] = (await client.data(AuthEventsDocument, { userId: d.userId })).authEvents.edges;
    expect(latest.node).toMatchObject({ type: 'device', outcome: 'failure' });
    // A success resets the count, as a correct code does.
    await client.data(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: d.deviceToken } });
    expect(await failures(d.userId)).toBe(0);
  });

  it('an expired token is refused and counted', async () => {
    const d = await remembered(1);
    offsetMs += DAY_MS + 60_000;
    const expired = await client.request(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: d.deviceToken } });
    expect(codes(expired)).toEqual(['UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE']);
    expect(await failures(d.userId)).toBe(1);
    expect((await client.data(RememberedDevicesDocument, { userId: d.userId })).rememberedDevices).toEqual([]);
  });

  it("deleting the user's last verified TOTP revokes the devices, audited", async () => {
    const d = await remembered();
    await client.data(DeleteTotpDocument, { totpId: d.totpId });
    expect((await client.data(RememberedDevicesDocument, { userId: d.userId })).rememberedDevices).toEqual([]);
    expect(await deviceEvents(d.userId)).toEqual(['device:revoked', 'device:created']);
    expect(codes(await client.request(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: d.deviceToken } }))).toEqual([
      'UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE',
    ]);
  });

  it('forgetRememberedDevice, forgetRememberedDevices, unlockUser and deleteUser revoke them (audited)', async () => {
    const d = await remembered();
    expect((await client.data(ForgetRememberedDeviceDocument, { rememberedDeviceId: d.rememberedDeviceId })).forgetRememberedDevice).toEqual({ userId: d.userId, forgotten: 1 });
    expect(codes(await client.request(ForgetRememberedDeviceDocument, { rememberedDeviceId: d.rememberedDeviceId }))).toEqual(['REMEMBERED_DEVICE_NOT_FOUND']);
    expect(codes(await client.request(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: d.deviceToken } }))).toEqual([
      'UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE',
    ]);

    const all = await remembered();
    await client.data(AssuredAuthenticateTotpDocument, { input: { userId: all.userId, totpCode: totpCode(all.secret, 1, clock.now()), rememberDeviceDays: 7 } });
    expect((await client.data(ForgetRememberedDevicesDocument, { userId: all.userId })).forgetRememberedDevices.forgotten).toBe(2);
    expect(await deviceEvents(all.userId)).toEqual(['device:revoked', 'device:created', 'device:created']);

    const unlocked = await remembered();
    await client.data(UnlockUserDocument, { userId: unlocked.userId });
    expect((await client.data(RememberedDevicesDocument, { userId: unlocked.userId })).rememberedDevices).toEqual([]);
    expect(await deviceEvents(unlocked.userId)).toEqual(['device:revoked', 'device:created']);
    // An unlock of a user without devices records no device event.
    await client.data(UnlockUserDocument, { userId: unlocked.userId });
    expect(await deviceEvents(unlocked.userId)).toEqual(['device:revoked', 'device:created']);

    const deleted = await remembered();
    await client.data(DeleteUserDocument, { userId: deleted.userId });
    expect(codes(await client.request(RememberedDevicesDocument, { userId: deleted.userId }))).toEqual(['USER_NOT_FOUND']);
    // Another project's device id answers as a missing one.
    const foreign = await remembered();
    expect(codes(await gw.client.request(ForgetRememberedDeviceDocument, { rememberedDeviceId: foreign.rememberedDeviceId }))).toEqual(['REMEMBERED_DEVICE_NOT_FOUND']);
  });

  it('turning remembered devices off forgets every device of the project, one audit event per user: turned on again, no token issued before works', async () => {
    const d = await remembered();
    const other = await remembered();
    await client.data(AssuredAuthenticateTotpDocument, { input: { userId: other.userId, totpCode: totpCode(other.secret, 1, clock.now()), rememberDeviceDays: 7 } });
    const without = await gw.enroll({ verify: true, client });
    await gw.gateway.services.projectSettings.update(project.projectId, { rememberDevices: false });
    await gw.gateway.services.projectSettings.update(project.projectId, { rememberDevices: true });
    expect((await client.data(RememberedDevicesDocument, { userId: d.userId })).rememberedDevices).toEqual([]);
    expect(await deviceEvents(d.userId)).toEqual(['device:revoked', 'device:created']);
    expect(await deviceEvents(other.userId)).toEqual(['device:revoked', 'device:created', 'device:created']);
    expect(await deviceEvents(without.userId)).toEqual([]);
    const revived = await client.request(AuthenticateRememberedDeviceDocument, { input: { userId: d.userId, deviceToken: d.deviceToken } });
    expect(codes(revived)).toEqual(['UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE']);
  });

  it('REST: remember_device_days on /v1/totps/authenticate, then /v1/remembered_devices authenticate, list and forget', async () => {
    const e = await gw.enroll({ verify: true, client });
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${gw.url}/v1${path}`, {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          'user-agent': USER_AGENT,
          authorization: `Basic ${Buffer.from(`${project.projectId}:${project.secret}`).toString('base64')}`,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const issued = await call('POST', '/totps/authenticate', { user_id: e.userId, totp_code: totpCode(e.secret, 0, clock.now()), remember_device_days: 30 });
    expect(issued.status).toBe(200);
    const deviceToken = issued.body.device_token as string;
    const used = await call('POST', '/remembered_devices/authenticate', { user_id: e.userId, device_token: deviceToken, session_duration_minutes: 60 });
    expect(used.status).toBe(200);
    expect(used.body.session.authentication_factors[0]).toMatchObject({ type: 'remembered_device', remembered_device_factor: { remembered_device_id: issued.body.remembered_device_id } });
    const listed = await call('GET', `/remembered_devices?user_id=${e.userId}`);
    expect(listed.body.remembered_devices).toEqual([expect.objectContaining({ remembered_device_id: issued.body.remembered_device_id, user_agent: USER_AGENT })]);
    expect((await call('DELETE', `/remembered_devices/${issued.body.remembered_device_id}`)).body).toMatchObject({ user_id: e.userId, forgotten: 1 });
    const refused = await call('POST', '/remembered_devices/authenticate', { user_id: e.userId, device_token: deviceToken });
    expect([refused.status, refused.body.error_type]).toEqual([401, 'unable_to_authenticate_remembered_device']);
  });
});
