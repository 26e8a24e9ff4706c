// The frontend demo (npm run demo) in headless Debian Chromium: sign in at the demo backend, enroll from the page's secret and QR, verify a TOTP code cross-origin, see the session's factors (external + totp) and the backend accept its JWT, see a wrong code's API error code, recover with a recovery code, sign out.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { chromium, type Browser, type Page } from 'playwright-core';
import { totpCode } from '../support/gateway';
import { isCI } from '../support/ci';

const root = join(__dirname, '..', '..');
/** Debian's chromium package; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** A cold start compiles the gateway and the page before anything listens. */
const DEMO_START_TIMEOUT_MS = 150_000;
/** Bound on any one wait in the page, so a broken step fails with its own message, not the test timeout. */
const STEP_TIMEOUT_MS = 20_000;
const DEMO_STOP_TIMEOUT_MS = 15_000;
/** The gateway accepts the previous, current and next 30 s step (README "The API"). */
const ACCEPTED_STEPS = [-1, 0, 1];

const haveChromium = existsSync(CHROMIUM);
const ci = isCI();
if (!haveChromium && !ci) process.stderr.write(`\n${CHROMIUM} not found: skipping the browser test (CI fails instead; apt-get install chromium).\n`);
const describeInBrowser = haveChromium || ci ? describe : describe.skip;

/** A well-formed code that no accepted step produces. */
function wrongCode(secret: string): string {
  const now = Date.now();
  // One step more on each side than accepted, in case a step boundary passes before the gateway judges it.
  const accepted = new Set([ACCEPTED_STEPS[0] - 1, ...ACCEPTED_STEPS, ACCEPTED_STEPS[ACCEPTED_STEPS.length - 1] + 1].map((s) => totpCode(secret, s, now)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!accepted.has(candidate)) return candidate;
  }
}

/** The text a QR reader gets from a data:image/png;base64 URL. */
function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

interface Demo {
  readonly child: ChildProcess;
  readonly pageUrl: string;
  readonly gatewayUrl: string;
  output(): string;
}

/** Starts `node examples/web/demo.mjs` (what `npm run demo` runs) on free ports; resolves once it prints the URL. */
function startDemo(password: string): Promise<Demo> {
  const child = spawn(process.execPath, [join(root, 'examples', 'web', 'demo.mjs')], {
    cwd: root,
    env: { ...process.env, DEMO_PORT: '0', DEMO_GATEWAY_PORT: '0', DEMO_PASSWORD: password, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no URL within ${DEMO_START_TIMEOUT_MS} ms:\n${output}`)), DEMO_START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const page = /demo: open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      const gateway = /demo: gateway (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output);
      if (page && gateway) {
        clearTimeout(timer);
        resolve({ child, pageUrl: page[1], gatewayUrl: gateway[1], output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code} before it printed its URL:\n${output}`));
    });
  });
}

function stopDemo(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    // SIGTERM lets the demo stop its gateway and delete its database; SIGKILL only if it hangs.
    const timer = setTimeout(() => child.kill('SIGKILL'), DEMO_STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describeInBrowser('frontend demo in headless Chromium', () => {
  const password = `e2e-${randomBytes(6).toString('hex')}`;
  let demo: Demo | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let secret = '';
  let recoveryCodes: string[] = [];

  const byTestId = (id: string) => page.getByTestId(id);
  const text = async (id: string) => ((await byTestId(id).textContent()) ?? '').trim();
  const factorTypes = async () => (await page.locator('[data-testid="factor"]').evaluateAll((items) => items.map((item) => item.getAttribute('data-type')))).sort();
  /** Waits for the error box and returns the code it shows. */
  const shownErrorCode = async () => {
    await byTestId('error').waitFor({ state: 'visible' });
    expect(await text('error-message')).not.toBe('');
    return text('error-code');
  };
  const signIn = async (email: string, pass: string) => {
    await byTestId('email').fill(email);
    await byTestId('password').fill(pass);
    await byTestId('sign-in').click();
  };

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium); .ci/run does this before npm test.`);
    demo = await startDemo(password);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(demo.pageUrl);
  }, DEMO_START_TIMEOUT_MS + STEP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (demo) await stopDemo(demo.child);
  });

  it('serves the page and the gateway on two origins, so every gateway call is a CORS request', () => {
    expect(new URL(demo!.pageUrl).origin).not.toBe(new URL(demo!.gatewayUrl).origin);
  });

  it('refuses a wrong password at the demo backend', async () => {
    await signIn('ada@example.com', `not-${password}`);
    expect(await shownErrorCode()).toBe('INVALID_CREDENTIALS');
  });

  it('signs in and shows the TOTP secret, a QR code of the same secret, and ten recovery codes', async () => {
    await signIn('ada@example.com', password);
    await byTestId('totp-secret').waitFor({ state: 'visible' });
    expect(await byTestId('error').isHidden()).toBe(true);
    secret = await text('totp-secret');
    expect(secret).toMatch(/^[A-Z2-7]+$/);

    const qr = (await byTestId('totp-qr').getAttribute('src')) ?? '';
    expect(qr).toMatch(/^data:image\/png;base64,/);
    expect(new URL(decodeQr(qr) ?? 'about:blank').searchParams.get('secret')).toBe(secret);

    recoveryCodes = await page.locator('[data-testid="recovery-code"]').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    // Before the second factor, the session has only the backend's.
    expect(await factorTypes()).toEqual(['external']);
    expect(await text('user-id')).toMatch(/^user-/);
  });

  it('verifies the current code and shows both factors; the backend accepts the fresh JWT', async () => {
    await byTestId('totp-code').fill(totpCode(secret));
    await byTestId('verify-totp').click();
    await page.locator('[data-testid="factor"][data-type="totp"]').waitFor();
    expect(await byTestId('error').isHidden()).toBe(true);
    expect(await factorTypes()).toEqual(['external', 'totp']);

    await byTestId('check-backend').click();
    await byTestId('backend-verdict').waitFor({ state: 'visible' });
    const verdict = JSON.parse(await text('backend-verdict')) as { access: string; factors: string[] };
    expect(verdict.access).toBe('granted');
    expect([...verdict.factors].sort()).toEqual(['external', 'totp']);
  });

  it('shows the API error code for a wrong code', async () => {
    await byTestId('totp-code').fill(wrongCode(secret));
    await byTestId('verify-totp').click();
    expect(await shownErrorCode()).toBe('UNABLE_TO_AUTHENTICATE_TOTP');
    expect(await factorTypes()).toEqual(['external', 'totp']);
  });

  it('accepts a recovery code once and adds the recovery factor', async () => {
    await byTestId('recovery-code-input').fill(recoveryCodes[0]);
    await byTestId('recover').click();
    await page.locator('[data-testid="factor"][data-type="recovery_codes"]').waitFor();
    expect(await byTestId('error').isHidden()).toBe(true);
    expect(await factorTypes()).toEqual(['external', 'recovery_codes', 'totp']);

    await byTestId('recovery-code-input').fill(recoveryCodes[0]);
    await byTestId('recover').click();
    expect(await shownErrorCode()).toBe('UNABLE_TO_AUTHENTICATE_RECOVERY_CODE');
  });

  it('signs out, and a new sign-in of the same user starts a session with only the first factor', async () => {
    await byTestId('sign-out').click();
    await byTestId('sign-in-form').waitFor({ state: 'visible' });
    await signIn('ada@example.com', password);
    await byTestId('enrolled').waitFor({ state: 'visible' });
    expect(await byTestId('enrollment').isHidden()).toBe(true);
    expect(await factorTypes()).toEqual(['external']);
  });

  it('threw no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
