// Remembered devices revoked while they are used or issued: once a forget (or turning the project's remembered devices off) commits, no use in flight may succeed with a forgotten token and no device issued in flight may outlive it (PostgreSQL, where writers run concurrently; SQLite serialises them).
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

  /** Whether a query of this database touching `table` waits for a row lock. */
  async function waitsOn(table: string): Promise<boolean> {
    const [{ waiting }] = await gw.gateway.db.dataSource.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
      [`%${table}%`],
    );
    return waiting > 0;
  }

  /** Waits until a query touching `table` waits for a row lock, or `request` has been answered (it did not wait). */
  async function untilWaitingOn(table: string, request: Promise<unknown>): Promise<void> {
    let answered = false;
    void request.then(() => (answered = true), () => (answered = true));
    for (let i = 0; i < WAIT_POLLS && !answered; i++) {
      if (await waitsOn(table)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (!answered) throw new Error(`the request neither finished nor waited on ${table}`);
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
      await untilWaitingOn('remembered_devices', use);
      await forget.commitTransaction();
      expect(codes(await use)).toEqual(['UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE']);
    } finally {
      if (forget.isTransactionActive) await forget.rollbackTransaction();
      await forget.release();
    }
  });

  it('a device issued while the project turns remembered devices off is not stored: no token outlives the forgetting', async () => {
    const e = await gw.enroll({ verify: true, client: project.client });
    // The settings change's transaction (ProjectSettingsService.update), between its writes and its commit.
    const change = gw.gateway.db.dataSource.createQueryRunner();
    await change.connect();
    await change.startTransaction();
    try {
      await change.query('UPDATE projects SET remember_devices = FALSE WHERE id = $1', [project.projectId]);
      await change.query('DELETE FROM remembered_devices WHERE project_id = $1', [project.projectId]);
      const issuing = project.client.request(AssuredAuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret), rememberDeviceDays: 30 } });
      await untilWaitingOn('projects', issuing);
      await change.commitTransaction();
      const issued = await issuing;
      expect(codes(issued)).toEqual([]);
      expect(issued.data?.authenticateTotp.deviceToken).toBeNull();
      const [{ devices }] = await gw.gateway.db.dataSource.query('SELECT count(*)::int AS devices FROM remembered_devices WHERE user_id = $1', [e.userId]);
      expect(devices).toBe(0);
    } finally {
      if (change.isTransactionActive) await change.rollbackTransaction();
      await change.release();
      await gw.gateway.services.projectSettings.update(project.projectId, { rememberDevices: true });
    }
  });
});
