// An import with verified: false is a pending enrollment like createTotp's: it expires after the default window (its codes then authenticate nothing), and it never gets past the project's limit of verified TOTPs.
import { randomBytes } from 'node:crypto';
import { AuthenticateTotpDocument, GetUserDocument, ImportTotpDocument } from '../../client';
import { encodeBase32 } from '../../src/totp/otp.generator';
import { EXPIRATION_MINUTES } from '../../src/constants/totp.constants';
import { describeEachDialect, startGateway, totpCode, type TestGateway } from '../support/gateway';
import type { Clock } from '../../src/common/clock';

const newSecret = () => encodeBase32(randomBytes(20));

describeEachDialect('a pending import on %s', (dialect) => {
  let gw: TestGateway;
  let nowMs = Date.UTC(2026, 0, 1, 12, 0, 10);
  const clock: Clock = { now: () => nowMs };
  beforeAll(async () => {
    gw = await startGateway({ dialect, clock });
  });
  afterAll(() => gw.close());

  it('expires after the default window: a correct code then verifies and authenticates nothing', async () => {
    const userId = await gw.createUser();
    const secret = newSecret();
    await gw.client.data(ImportTotpDocument, { input: { userId, secret, verified: false } });
    nowMs += EXPIRATION_MINUTES.default * 60_000 + 30_000;
    const answer = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret, 0, nowMs) } });
    expect(answer.errors?.length).toBeGreaterThan(0);
    expect((await gw.client.data(GetUserDocument, { userId })).user.totps.filter((t) => t.verified)).toEqual([]);
  });

  it('is refused next to a verified TOTP at the limit of one, and the verified one keeps working', async () => {
    const userId = await gw.createUser();
    const verified = newSecret();
    await gw.client.data(ImportTotpDocument, { input: { userId, secret: verified } });
    const pending = await gw.client.request(ImportTotpDocument, { input: { userId, secret: newSecret(), verified: false } });
    expect(pending.errors?.[0]?.extensions?.code).toBe('ACTIVE_TOTP_EXISTS');
    nowMs += 30_000;
    await gw.client.data(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(verified, 0, nowMs) } });
  });
});
