// A remembered device forgotten while its token is being used: once the forget commits, no use that was in flight when it began may succeed with that token (PostgreSQL, where writers run concurrently; SQLite serialises them).
import { AssuredAuthenticateTotpDocument, AuthenticateRememberedDeviceDocument } from '../../client';
import { codes, describePostgres, startGateway, totpCode, type TestGateway, type TestProject } from '../support/gateway';

/** How many times to look for the in-flight use blocked on the held delete before giving up. */
const WAIT_POLLS = 500;
const POLL_MS = 20;

describePostgres('remembered device forgotten during its use on postgres', () => {
  let gw: TestGateway;
  let project: TestProject;

  beforeAll(async () => {
    gw = await startGateway({ dialect: 'postgres' });
    project = await gw.newProject();
    await gw.gateway.services.projectSettings.update(project.projectId, { rememberDevices: true });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** Waits until a query of this database touching remembered_devices waits for a row lock. */
  async function untilUseWaitsOnDevice(): Promise<void> {
    for (let i = 0; i < WAIT_POLLS; i++) {
      const [{ waiting }] = await gw.gateway.db.dataSource.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%remembered_devices%'`,
      );
      if (waiting > 0) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error('the use of the device never reached the row held by the forget');
  }

  it('a use that meets an uncommitted forget waits for it and then refuses the token', async () => {
    const e = await gw.enroll({ verify: true, client: project.client });
    const { authenticateTotp } = await project.client.data(AssuredAuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret), rememberDeviceDays: 30 } });
    const deviceToken = authenticateTotp.deviceToken!;

    // The forget's transaction, between its DELETE and its commit.
    const forget = gw.gateway.db.dataSource.createQueryRunner();
    await forget.connect();
    await forget.startTransaction();
    try {
      await forget.query('DELETE FROM remembered_devices WHERE id = $1', [authenticateTotp.rememberedDeviceId]);
      const use = project.client.request(AuthenticateRememberedDeviceDocument, { input: { userId: e.userId, deviceToken, sessionDurationMinutes: 60 } });
      await untilUseWaitsOnDevice();
      await forget.commitTransaction();
      expect(codes(await use)).toEqual(['UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE']);
    } finally {
      if (forget.isTransactionActive) await forget.rollbackTransaction();
      await forget.release();
    }
  });
});
