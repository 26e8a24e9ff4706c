// TotpService's arrival-time rules (RFC 6238 §5.2): a code is judged at the step its request arrived in, within ±1 step (plus an enrollment's transit grace), the stamp bounded by MAX_ARRIVAL_LAG_MS; the HTTP stamp itself: arrival-time-http.test.ts.
import { AuthenticateTotpInput } from '../../src/totp/totp.inputs';
import { MAX_ARRIVAL_LAG_MS } from '../../src/totp/totp.service';
import { TRANSIT_GRACE_MS } from '../../src/totp/otp.generator';
import { startGateway, totpCode, type TestGateway } from '../support/gateway';

const STEP_MS = 30_000;

describe('TOTP arrival time', () => {
  // The gateway's clock: a request "arrives" 1 s before a step boundary and is processed after it.
  const clock = { t: 0, now() { return this.t; } };
  let gw: TestGateway;
  let arrivedAt: number;

  beforeAll(async () => {
    arrivedAt = Math.floor(Date.now() / STEP_MS) * STEP_MS + STEP_MS - 1_000;
    clock.t = arrivedAt;
    gw = await startGateway({ clock });
  });
  afterAll(() => gw.close());

  /** A fresh user with an unverified TOTP, enrolled at the arrival time. */
  async function enrolled() {
    clock.t = arrivedAt;
    return gw.enroll();
  }

  const authenticate = (userId: string, code: string, receivedAtMs: number | null) =>
    gw.gateway.services.totps.authenticate(gw.project.projectId, Object.assign(new AuthenticateTotpInput(), { userId, totpCode: code }), { receivedAtMs });

  it('accepts the previous step of the arrival time after the request waited past a boundary', async () => {
    const { userId, secret } = await enrolled();
    const previousAtArrival = totpCode(secret, -1, arrivedAt);
    // Processed in the next step, past its transit grace: judged now, the code is two steps old.
    clock.t = arrivedAt + 1_000 + TRANSIT_GRACE_MS;
    await expect(authenticate(userId, previousAtArrival, null)).rejects.toMatchObject({ code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
    await expect(authenticate(userId, previousAtArrival, arrivedAt)).resolves.toMatchObject({ userId });
  });

  it('confirms an enrollment with the previous step of a code sent just before a boundary that lands just after it (transit grace), once', async () => {
    const { userId, secret } = await enrolled();
    const previous = totpCode(secret, -1, arrivedAt);
    const landed = arrivedAt + 1_000 + TRANSIT_GRACE_MS / 2;
    clock.t = landed;
    await expect(authenticate(userId, previous, landed)).resolves.toMatchObject({ userId });
    // Now verified: no grace, and the step is spent anyway.
    await expect(authenticate(userId, previous, landed)).rejects.toMatchObject({ code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
  });

  it('gives a verified TOTP no transit grace: a code two steps old is refused just after a boundary', async () => {
    const { userId, secret } = await enrolled();
    // Verified a minute earlier, so the code below is newer than the last accepted step.
    const earlier = arrivedAt - 2 * STEP_MS;
    clock.t = earlier;
    await expect(authenticate(userId, totpCode(secret, 0, earlier), earlier)).resolves.toMatchObject({ userId });
    const landed = arrivedAt + 1_000 + TRANSIT_GRACE_MS / 2;
    clock.t = landed;
    await expect(authenticate(userId, totpCode(secret, -1, arrivedAt), landed)).rejects.toMatchObject({ code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
  });

  it('keeps the window at ±1 step around the arrival time', async () => {
    const { userId, secret } = await enrolled();
    clock.t = arrivedAt + 2_000;
    await expect(authenticate(userId, totpCode(secret, -2, arrivedAt), arrivedAt)).rejects.toMatchObject({ code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
    await expect(authenticate(userId, totpCode(secret, 2, arrivedAt), arrivedAt)).rejects.toMatchObject({ code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
    await expect(authenticate(userId, totpCode(secret, 1, arrivedAt), arrivedAt)).resolves.toMatchObject({ userId });
  });

  it('ignores an arrival time later than the processing time', async () => {
    const { userId, secret } = await enrolled();
    clock.t = arrivedAt;
    await expect(authenticate(userId, totpCode(secret, 2, arrivedAt), arrivedAt + 2 * STEP_MS)).rejects.toMatchObject({ code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
  });

  it('still refuses a replay of a code accepted at its arrival time', async () => {
    const { userId, secret } = await enrolled();
    const code = totpCode(secret, 0, arrivedAt);
    await expect(authenticate(userId, code, arrivedAt)).resolves.toMatchObject({ userId });
    clock.t = arrivedAt + 2_000;
    await expect(authenticate(userId, code, arrivedAt)).rejects.toMatchObject({ code: 'TOTP_CODE_ALREADY_AUTHENTICATED' });
  });

  it('never judges a code more than MAX_ARRIVAL_LAG_MS before it is processed, whatever the stamp', async () => {
    const { userId, secret } = await enrolled();
    const hourAgo = arrivedAt - 3_600_000;
    clock.t = arrivedAt;
    await expect(authenticate(userId, totpCode(secret, 0, hourAgo), hourAgo)).rejects.toMatchObject({ code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
    // Within the bound the stamp still counts (the first test's case), so the current code is good.
    await expect(authenticate(userId, totpCode(secret, 0, arrivedAt), arrivedAt - MAX_ARRIVAL_LAG_MS / 2)).resolves.toMatchObject({ userId });
  });
});
