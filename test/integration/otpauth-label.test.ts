// Enrollment whatever the project name or the user's identifier holds: a label with exactly one colon that authenticator apps split right, and a QR code that always fits and decodes to the URI; a refused createTotp writes nothing.
import { URI } from 'otpauth';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { AuthenticateTotpDocument, CreateTotpDocument, GetUserDocument, TotpRecoveryCodesDocument } from '../../client';
import { otpauthLabel } from '../../src/totp/otpauth.label';
import * as qr from '../../src/totp/qr.generator';
import { describeEachDialect, codes, startGateway, totpCode, type TestGateway, type TestProject } from '../support/gateway';

/** The text a QR reader gets from a data:image/png;base64 URL. */
function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/** How an authenticator app splits the label, and what the `otpauth` package reads. */
function read(uri: string) {
  const rawLabel = uri.slice('otpauth://totp/'.length, uri.indexOf('?'));
  const parsed = URI.parse(uri);
  return { labelParts: rawLabel.split(':').map(decodeURIComponent), issuerParam: new URL(uri).searchParams.get('issuer'), issuer: parsed.issuer, account: parsed.label };
}

const unique = () => Math.random().toString(36).slice(2, 10);
/** A long email of non-Latin script the email rules accept: 21 CJK characters (63 UTF-8 bytes) before the @, and a domain whose longest label is 63 characters in its IDNA (punycode) form. */
const longCjkEmail = () => `${'用'.repeat(13)}${unique()}@${'例'.repeat(20)}.${'例'.repeat(57)}.jp`;
/** 254 characters, the most RFC 5321 allows in a path. */
const longAsciiEmail = () => `${unique()}${'a'.repeat(56)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;

describeEachDialect('otpauth labels and QR codes on %s', (dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  /** Creates a user in `project` and enrolls them over GraphQL; returns the payload and the stored identifier. */
  async function enroll(project: TestProject, user: { email?: string; phoneNumber?: string }) {
    const userId = await gw.createUser(user, project.client);
    const result = await project.client.request(CreateTotpDocument, { input: { userId } });
    expect(codes(result)).toEqual([]);
    const stored = (await project.client.data(GetUserDocument, { userId })).user;
    return { userId, totp: result.data!.createTotp, account: stored.emails[0]?.email ?? stored.phoneNumbers[0]?.phoneNumber ?? userId };
  }

  it.each([
    ['Acme: Staging', 'Acme Staging'],
    ['Acme：Staging', 'Acme Staging'],
    ['Acme%3A Staging', 'Acme Staging'],
    ['  Acme\u2028Corp \u202e', 'Acme Corp'], // (a control such as a tab is refused in a project name, see project-names.test.ts)
    ['Acme%3\u200BA Corp', 'Acme Corp'], // an invisible splitting a %3A does not hide it
    ['Acme\u1361Corp\uFE30x', 'Acme Corp x'], // Ethiopic wordspace, vertical two-dot leader
    ['\u3164\u2800\u00AD', 'TOTP'], // only invisible: Hangul filler, blank braille, soft hyphen
    ['R&D / Q?#=+ 100%', 'R&D / Q?#=+ 100%'],
    ['株式会社 Ünïcode 🚀', '株式会社 Ünïcode 🚀'],
    [': :', 'TOTP'],
  ])('project %j: the label has one colon, its issuer is %j and equals the issuer parameter, and the QR code is the URI', async (name, issuer) => {
    const project = await gw.newProject(name);
    const { totp, account } = await enroll(project, { email: `ada+${unique()}@example.com` });
    expect(read(totp.otpauthUri)).toEqual({ labelParts: [issuer, account], issuerParam: issuer, issuer, account });
    expect(totp.otpauthUri).toBe(qr.otpauthUri({ issuer: name, account, secret: totp.secret }));
    expect(decodeQr(totp.qrCode)).toBe(totp.otpauthUri);
  });

  it('a phone number account: one colon too', async () => {
    const project = await gw.newProject('Acme: Phones');
    const phoneNumber = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const { totp, account } = await enroll(project, { phoneNumber });
    expect(read(totp.otpauthUri)).toMatchObject({ labelParts: ['Acme Phones', account], issuer: 'Acme Phones', account });
    expect(decodeQr(totp.qrCode)).toBe(totp.otpauthUri);
  });

  it('a 200-character CJK project name and the longest emails enroll, with a shortened label whose QR code decodes to the URI', async () => {
    const name = '株式会社'.repeat(50);
    const project = await gw.newProject(name);
    for (const email of [longCjkEmail(), longAsciiEmail()]) {
      const { userId, totp, account } = await enroll(project, { email });
      const label = otpauthLabel(name, account);
      expect(label.issuer.endsWith('…')).toBe(true);
      expect(name.startsWith(label.issuer.slice(0, -1))).toBe(true);
      expect(read(totp.otpauthUri)).toEqual({ labelParts: [label.issuer, label.account], issuerParam: label.issuer, issuer: label.issuer, account: label.account });
      expect(Buffer.byteLength(totp.otpauthUri)).toBeLessThanOrEqual(qr.OTPAUTH_URI_MAX_BYTES);
      expect(decodeQr(totp.qrCode)).toBe(totp.otpauthUri);
      expect(totp.qrCodeSvg).toMatch(/^<svg /);
      // What was enrolled is there: one pending TOTP with its ten codes.
      expect((await project.client.data(GetUserDocument, { userId })).user.totps).toEqual([{ totpId: totp.totpId, verified: false }]);
      expect((await project.client.data(TotpRecoveryCodesDocument, { userId })).totpRecoveryCodes).toMatchObject([{ totpId: totp.totpId, remaining: 10 }]);
    }
    // The ASCII email is kept whole.
    const ascii = longAsciiEmail();
    const { totp } = await enroll(project, { email: ascii });
    expect(read(totp.otpauthUri).account).toBe(ascii);
  });

  it('the REST facade returns a QR code of the same shortened, one-colon URI', async () => {
    const name = `Acme: ${'漢'.repeat(200)}`;
    const project = await gw.newProject(name);
    const userId = await gw.createUser({ email: longCjkEmail() }, project.client);
    const response = await fetch(`${gw.url}/v1/totps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: project.client.authorization! },
      body: JSON.stringify({ user_id: userId }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { qr_code: string; secret: string };
    const account = (await project.client.data(GetUserDocument, { userId })).user.emails[0].email;
    const uri = decodeQr(body.qr_code)!;
    expect(uri).toBe(qr.otpauthUri({ issuer: name, account, secret: body.secret }));
    expect(read(uri).labelParts).toHaveLength(2);
    expect(read(uri).issuer).toBe(read(uri).labelParts[0]);
  });

  it('a createTotp that fails after its writes leaves nothing behind: the pending TOTP it would replace still works', async () => {
    // Nothing a caller can send makes the URI fail any more (that is the point of the bound), so the
    // failure is forced: the URI builder throws once, after the new TOTP and its codes were written.
    const project = await gw.newProject('Acme: Rollback');
    const { userId, totp: pending } = await enroll(project, { email: `ada+${unique()}@example.com` });
    const forced = jest.spyOn(qr, 'otpauthUri').mockImplementationOnce(() => {
      throw new RangeError('forced failure after the writes');
    });
    try {
      expect(codes(await project.client.request(CreateTotpDocument, { input: { userId } }))).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(forced).toHaveBeenCalledTimes(1);
    } finally {
      forced.mockRestore();
    }
    expect((await project.client.data(GetUserDocument, { userId })).user.totps).toEqual([{ totpId: pending.totpId, verified: false }]);
    expect((await project.client.data(TotpRecoveryCodesDocument, { userId })).totpRecoveryCodes).toMatchObject([{ totpId: pending.totpId, remaining: 10 }]);
    const verify = await project.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(pending.secret) } });
    expect(codes(verify)).toEqual([]);
  });
});
