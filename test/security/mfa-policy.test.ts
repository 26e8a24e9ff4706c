// A project's MFA policy: under REQUIRED a session below AAL2 may only enroll, verify, recover, use a remembered device or sign out (whole operations refused otherwise), and authenticateSession refuses it unless the backend explicitly accepts AAL1; OPTIONAL projects are unchanged.
import {
  AssuredAuthenticateTotpDocument,
  AssuredCreateSessionDocument,
  AssuredMeDocument,
  CreateTotpDocument,
  CreateUserDocument,
  ProjectAssuranceDocument,
  RevokeSessionDocument,
  StepUpSessionDocument,
  type GatewayClient,
} from '../../client';
import { codes, describeEachDialect, sessionClient, startGateway, totpCode, type TestGateway, type TestProject } from '../support/gateway';

describeEachDialect('MFA policy on %s', (dialect) => {
  let gw: TestGateway;
  let required: TestProject;

  beforeAll(async () => {
    gw = await startGateway({ dialect });
    required = await gw.newProject();
    await gw.gateway.services.projectSettings.update(required.projectId, { mfaPolicy: 'REQUIRED' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** A password-only (AAL1) session of a new user of `project`, with the browser client calling with it. */
  async function aal1Session(project: TestProject, enrolled: boolean) {
    const e = enrolled ? await gw.enroll({ verify: true, client: project.client }) : null;
    const userId = e?.userId ?? (await project.client.data(CreateUserDocument, { input: { email: `mfa-${Math.random().toString(36).slice(2)}@example.com` } })).createUser.userId;
    const { createSession } = await project.client.data(AssuredCreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    const browser: GatewayClient = sessionClient(project.client, project.publicToken, createSession.sessionToken);
    return { userId, secret: e?.secret, browser, ...createSession };
  }

  it('the project query shows the policy', async () => {
    expect((await required.client.data(ProjectAssuranceDocument, {})).project.mfaPolicy).toBe('REQUIRED');
  });

  it('refuses an AAL1 session everything but reaching AAL2, which then opens the rest', async () => {
    const s = await aal1Session(required, true);
    const refused = await s.browser.request(AssuredMeDocument, {});
    expect(codes(refused)).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(refused.errors?.[0].extensions).toMatchObject({ assuranceLevel: 'AAL1' });

    const verified = await s.browser.data(AssuredAuthenticateTotpDocument, { input: { userId: s.userId, totpCode: totpCode(s.secret!) } });
    expect(verified.authenticateTotp.session?.assuranceLevel).toBe('AAL2');
    expect((await s.browser.data(AssuredMeDocument, {})).me.session.assuranceLevel).toBe('AAL2');
  });

  it('lets an AAL1 session enroll its first TOTP and sign out', async () => {
    const s = await aal1Session(required, false);
    const { createTotp } = await s.browser.data(CreateTotpDocument, { input: { userId: s.userId } });
    expect(createTotp.totpId).toMatch(/^totp-/);
    const signOut = await aal1Session(required, true);
    expect((await signOut.browser.data(RevokeSessionDocument, { input: {} })).revokeSession.sessionId).toBe(signOut.session.sessionId);
  });

  it('authenticateSession refuses an AAL1 session unless the backend asks for AAL1 explicitly', async () => {
    const s = await aal1Session(required, true);
    expect(codes(await required.client.request(StepUpSessionDocument, { input: { sessionToken: s.sessionToken } }))).toEqual(['SECOND_FACTOR_REQUIRED']);
    const accepted = await required.client.data(StepUpSessionDocument, { input: { sessionToken: s.sessionToken, requireAssurance: 'AAL1' } });
    expect(accepted.authenticateSession.session.assuranceLevel).toBe('AAL1');
    const rest = await fetch(`${gw.url}/v1/sessions/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${required.projectId}:${required.secret}`).toString('base64')}` },
      body: JSON.stringify({ session_token: s.sessionToken }),
    });
    expect([rest.status, ((await rest.json()) as { error_type: string }).error_type]).toEqual([403, 'second_factor_required']);
  });

  it('an OPTIONAL project (the default) serves AAL1 sessions as before', async () => {
    const s = await aal1Session(gw.project, true);
    expect((await s.browser.data(AssuredMeDocument, {})).me.session.assuranceLevel).toBe('AAL1');
    expect((await gw.client.data(StepUpSessionDocument, { input: { sessionToken: s.sessionToken } })).authenticateSession.session.assuranceLevel).toBe('AAL1');
  });
});
