// The typed-client example (examples/typed-client) enrolls, verifies and recovers against a real gateway and reports expected failures by extensions.code; its README's "Use it" runs as written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { generateSync } from 'otplib';
import { startGateway, type TestGateway } from '../support/gateway';
import { GatewayRequestError } from '../../client';
import { enroll, recover, verify, type Enrollment } from '../../examples/typed-client/two-factor';

/** What an authenticator app does with the URI from the QR code: read the secret, compute the code. */
function codeFromUri(otpauthUri: string, steps = 0): string {
  const uri = new URL(otpauthUri);
  expect(uri.protocol).toBe('otpauth:');
  const secret = uri.searchParams.get('secret');
  if (!secret) throw new Error(`no secret in ${otpauthUri}`);
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });
}

/** A well-formed code that no accepted step (previous, current, next) produces. */
function wrongCode(otpauthUri: string): string {
  const accepted = new Set([-1, 0, 1, 2].map((s) => codeFromUri(otpauthUri, s)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!accepted.has(candidate)) return candidate;
  }
}

let gw: TestGateway;
beforeAll(async () => (gw = await startGateway()));
afterAll(() => gw?.close());

describe('examples/typed-client/two-factor.ts', () => {
  let enrolled: Enrollment;

  it('enroll creates the user and returns the URI, the QR PNG and ten recovery codes', async () => {
    const result = await enroll(gw.client, 'ada@example.com');
    if (!result.ok) throw new Error(`enroll failed: ${result.code}`);
    enrolled = result;
    expect(enrolled.userId).toMatch(/^user-/);
    expect(enrolled.totpId).toMatch(/^totp-/);
    expect(enrolled.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*ada%40example\.com\?secret=[A-Z2-7]+/);
    expect(enrolled.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(enrolled.recoveryCodes).toHaveLength(10);
  });

  it('enroll reports a duplicate email as DUPLICATE_EMAIL', async () => {
    expect(await enroll(gw.client, 'ada@example.com')).toMatchObject({ ok: false, code: 'DUPLICATE_EMAIL' });
  });

  it('verify refuses a wrong code with UNABLE_TO_AUTHENTICATE_TOTP and a malformed one with INVALID_TOTP_CODE', async () => {
    const wrong = await verify(gw.client, enrolled.userId, wrongCode(enrolled.otpauthUri));
    expect(wrong).toMatchObject({ ok: false, code: 'UNABLE_TO_AUTHENTICATE_TOTP' });
    expect(!wrong.ok && wrong.requestId).toEqual(expect.any(String));
    expect(await verify(gw.client, enrolled.userId, '12ab')).toMatchObject({ ok: false, code: 'INVALID_TOTP_CODE' });
  });

  it('verify accepts the code computed from the otpauth URI and returns a session token and JWT', async () => {
    const code = codeFromUri(enrolled.otpauthUri);
    const result = await verify(gw.client, enrolled.userId, code);
    if (!result.ok) throw new Error(`verify failed: ${result.code}`);
    expect(result.userId).toBe(enrolled.userId);
    expect(result.sessionToken).toEqual(expect.any(String));
    expect(result.sessionId).toMatch(/^session-/);
    expect(new Date(result.expiresAt).getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(decodeJwt(result.sessionJwt)).toMatchObject({ sub: enrolled.userId, aud: [gw.project.projectId] });
    // The same code again is a replay.
    expect(await verify(gw.client, enrolled.userId, code)).toMatchObject({ ok: false, code: 'TOTP_CODE_ALREADY_AUTHENTICATED' });
  });

  it('recover signs in with a recovery code once; the second use is refused', async () => {
    const [recoveryCode] = enrolled.recoveryCodes;
    const result = await recover(gw.client, enrolled.userId, recoveryCode);
    if (!result.ok) throw new Error(`recover failed: ${result.code}`);
    expect(result).toMatchObject({ userId: enrolled.userId, sessionToken: expect.any(String), sessionJwt: expect.any(String) });
    expect(await recover(gw.client, enrolled.userId, recoveryCode)).toMatchObject({ ok: false, code: 'UNABLE_TO_AUTHENTICATE_RECOVERY_CODE' });
    expect(await recover(gw.client, enrolled.userId, 'not-a-code')).toMatchObject({ ok: false, code: 'INVALID_RECOVERY_CODE' });
  });

  it('throws GatewayRequestError for failures a caller is not expected to handle (wrong project secret)', async () => {
    const intruder = gw.client.with({ secret: 'wrong' });
    await expect(verify(intruder, enrolled.userId, '123456')).rejects.toBeInstanceOf(GatewayRequestError);
    await expect(verify(intruder, enrolled.userId, '123456')).rejects.toMatchObject({ code: 'UNAUTHORIZED_CREDENTIALS', status: 401 });
  });
});

describe('examples/typed-client/sign-up.ts, the README\'s "Use it" as written', () => {
  const example = join(__dirname, '..', '..', 'examples', 'typed-client');
  const saved = { ...process.env };
  afterAll(() => (process.env = saved));

  /** What the user's phone does with the QR code the page renders: scan it. */
  const scan = (qrCode: string) => {
    const png = PNG.sync.read(Buffer.from(qrCode.slice('data:image/png;base64,'.length), 'base64'));
    return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? '';
  };

  it('is the README block, and signs up a user who types the code from the scanned QR code', async () => {
    const readme = readFileSync(join(example, 'README.md'), 'utf8');
    const block = /<!-- readme-test: use-it -->\n```ts\n([\s\S]*?)```\n/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(join(example, 'sign-up.ts'), 'utf8'));

    Object.assign(process.env, { GATEWAY_URL: gw.url, PROJECT_ID: gw.project.projectId, SECRET: gw.project.secret });
    const { signUp } = await import('../../examples/typed-client/sign-up');
    let scanned = '';
    const shown: string[] = [];
    const page = {
      render: (qrCode: string, recoveryCodes: readonly string[]) => {
        scanned = scan(qrCode);
        expect(recoveryCodes).toHaveLength(10);
      },
      askCode: async () => codeFromUri(scanned),
      showError: (code: string) => void shown.push(code),
    };
    const sessionJwt = await signUp('grace@example.com', page);
    expect(decodeJwt(sessionJwt!)).toMatchObject({ aud: [gw.project.projectId] });
    expect(await signUp('grace@example.com', page)).toBeNull();
    expect(shown).toEqual(['DUPLICATE_EMAIL']);
  });
});
