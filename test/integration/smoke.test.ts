// The seed's four steps over real HTTP with the typed client, on every available dialect.
import { AuthenticateTotpDocument, CreateTotpDocument, CreateUserDocument } from '../../client';
import { describeEachDialect, startGateway, totpCode, type TestGateway } from '../support/gateway';

describeEachDialect('seed flow on %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  it('creates a user, enrolls a TOTP and authenticates with a session', async () => {
    const { createUser } = await gw.client.data(CreateUserDocument, { input: { email: 'seed@example.com' } });
    const { createTotp } = await gw.client.data(CreateTotpDocument, { input: { userId: createUser.userId } });
    const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, {
      input: { userId: createUser.userId, totpCode: totpCode(createTotp.secret), sessionDurationMinutes: 60 },
    });
    expect(authenticateTotp.user.totps).toEqual([{ totpId: createTotp.totpId, verified: true }]);
    expect(authenticateTotp.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authenticateTotp.session?.authenticationFactors).toEqual([
      expect.objectContaining({ type: 'totp', deliveryMethod: 'authenticator_app', totpId: createTotp.totpId }),
    ]);
  });
});
