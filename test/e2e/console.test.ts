// The operator's console (/console) in headless Debian Chromium against a real gateway, with every request that leaves the gateway aborted: sign in with a project secret kept out of storage and the URL, find a user by email, see the lock that wrong codes sent over the API caused, unlock it, revoke a session (and see a refused revocation's error code), see those actions in the user's timeline, regenerate recovery codes shown once, require MFA for the project from the keyboard after a confirmation; screenshots of each page go to docs/console/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AuthenticateTotpDocument, ConsoleProjectDocument, CreateSessionDocument, RecoverTotpDocument, RevokeSessionDocument } from '../../client';
import { startGateway, totpCode, type Enrollment, type TestGateway } from '../support/gateway';
import { wrongTotpCode } from '../support/codes';
import { isCI } from '../support/ci';

const root = join(__dirname, '..', '..');
/** Debian's chromium package; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Bound on any one wait in the page, so a broken step fails with its own message, not the test timeout. */
const STEP_TIMEOUT_MS = 20_000;
const START_TIMEOUT_MS = 90_000;
/** Few attempts lock, so the test sends few wrong codes. */
const MAX_ATTEMPTS = 3;
const SCREENSHOTS = join(root, 'docs', 'console');
const VIEWPORT = { width: 1200, height: 800 };

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !isCI()) process.stderr.write(`\n${CHROMIUM} not found: skipping the console browser test (CI fails instead; apt-get install chromium).\n`);
const describeInBrowser = haveChromium || isCI() ? describe : describe.skip;

/** The newest modification time of a file under `path`. */
function newest(path: string): number {
  const stat = statSync(path);
  return stat.isDirectory() ? readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0) : stat.mtimeMs;
}

/** `npm run build` builds the console; when it is missing or older than its sources (console/, client/), it is built here. */
function ensureConsoleBuilt(): void {
  const page = join(root, 'dist', 'src', 'console', 'public', 'index.html');
  if (existsSync(page) && statSync(page).mtimeMs >= Math.max(newest(join(root, 'console')), newest(join(root, 'client')))) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'console', 'vite.config.mts')], { cwd: root, stdio: 'inherit' });
}

describeInBrowser('operator console in headless Chromium', () => {
  let gw: TestGateway;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let user: Enrollment;
  let email = '';
  /** Two sessions of the user: one revoked in the console, one revoked over the API behind its back. */
  let sessionIds: string[] = [];
  const pageErrors: string[] = [];
  const aborted: string[] = [];

  const byTestId = (id: string) => page.getByTestId(id);
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
  const confirmDialog = async () => {
    await byTestId('confirm-dialog').waitFor();
    await byTestId('confirm-ok').click();
    await byTestId('confirm-dialog').waitFor({ state: 'detached' });
  };
  const timelineOutcomes = () => page.locator('[data-testid="event"]').evaluateAll((items) => items.map((item) => item.getAttribute('data-outcome')));

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium).`);
    ensureConsoleBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    gw = await startGateway({ env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS), LOG_LEVEL: 'warn' } });
    // A few users to list, one of them enrolled with two live sessions.
    for (const name of ['grace', 'alan']) await gw.createUser({ email: `${name}@example.com` });
    user = await gw.enroll({ verify: true });
    const withTotp = await gw.client.data(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: totpCode(user.secret), sessionDurationMinutes: 60 } });
    const external = await gw.client.data(CreateSessionDocument, { input: { userId: user.userId, sessionDurationMinutes: 60 } });
    sessionIds = [withTotp.authenticateTotp.session!.sessionId, external.createSession.session.sessionId];
    email = withTotp.authenticateTotp.user.emails[0].email;

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === new URL(gw.url).origin) return route.continue();
      aborted.push(url);
      return route.abort('internetdisconnected');
    });
    await context.addInitScript({
      content: "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('refuses a wrong secret with the gateway’s code, then signs in; the secret is in no storage, cookie or URL', async () => {
    await page.goto(`${gw.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await byTestId('project-id').fill(gw.project.projectId);
    await byTestId('secret').fill('not-the-secret');
    await byTestId('sign-in').click();
    expect(await byTestId('error-code').textContent()).toBe('UNAUTHORIZED_CREDENTIALS');
    await byTestId('secret').fill(gw.project.secret);
    await shot('sign-in');
    // From the keyboard: Enter in the secret field submits the form.
    await byTestId('secret').press('Enter');
    await byTestId('nav-users').waitFor();
    expect(await byTestId('project-name').textContent()).toBe('Acme Test');

    // Browser code as text: no DOM types in the test's program.
    const kept = String(await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie, location.href])'));
    expect(kept).not.toContain(gw.project.secret);
    expect(kept).not.toContain(gw.project.projectId);
  });

  it('shows the user locked after wrong codes sent over the API, on the overview and in a search by email', async () => {
    for (let i = 0; i < MAX_ATTEMPTS + 1; i++) await gw.client.request(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: wrongTotpCode(user.secret) } });

    await byTestId('refresh').click();
    await page.locator('[data-testid="locked-users"]', { hasText: '1' }).waitFor();
    await byTestId('chart').locator('canvas').waitFor();
    await shot('overview');

    await byTestId('nav-users').click();
    await byTestId('search-field').selectOption('email');
    await byTestId('search-text').fill(email);
    await byTestId('search').click();
    await page.locator('[data-testid="user-row"]', { hasText: email }).waitFor();
    expect(await page.locator('[data-testid="user-row"]').count()).toBe(1);
    expect(await page.locator('[data-testid="user-row"]').textContent()).toContain('locked');

    await byTestId('search-text').fill('');
    await byTestId('search').click();
    await page.locator('[data-testid="user-row"]').nth(2).waitFor();
    await shot('users');

    await page.getByRole('link', { name: email }).click();
    await byTestId('user-id').filter({ hasText: user.userId }).waitFor();
    expect(await byTestId('lock-state').textContent()).toMatch(/Locked until/);
    expect(await byTestId('consecutive-failures').textContent()).toBe(String(MAX_ATTEMPTS));
    await page.locator('[data-testid="event"][data-outcome="locked"]').waitFor();
    // Newest first: the locked attempt, the wrong codes, the backend's session, the session's TOTP code, the verifying code.
    expect(await timelineOutcomes()).toEqual(['locked', ...Array(MAX_ATTEMPTS).fill('failure'), 'created', 'success', 'success']);
    await shot('user');
  });

  it('unlocks after a confirmation (Escape cancels it and gives focus back), and the timeline shows the unlock', async () => {
    await byTestId('unlock').focus();
    await page.keyboard.press('Enter');
    await byTestId('confirm-dialog').waitFor();
    expect(await page.evaluate('document.activeElement.dataset.testid')).toBe('confirm-cancel');
    await page.keyboard.press('Escape');
    await byTestId('confirm-dialog').waitFor({ state: 'detached' });
    expect(await page.evaluate('document.activeElement.dataset.testid')).toBe('unlock');
    expect(await byTestId('lock-state').textContent()).toMatch(/Locked until/);

    await byTestId('unlock').click();
    await confirmDialog();
    await byTestId('lock-state').filter({ hasText: 'Not locked' }).waitFor();
    await page.locator('[data-testid="event"][data-outcome="unlocked"]').waitFor();
    expect((await timelineOutcomes())[0]).toBe('unlocked');
  });

  it('revokes a session after a confirmation, shows SESSION_NOT_FOUND for one already revoked, and the timeline shows the revocation', async () => {
    const [inConsole, behindItsBack] = sessionIds;
    const session = (id: string) => page.locator(`[data-testid="session"][data-session-id="${id}"]`);
    await session(inConsole).getByTestId('revoke-session').click();
    await byTestId('confirm-dialog').waitFor();
    await shot('confirm');
    await byTestId('confirm-ok').click();
    await session(inConsole).waitFor({ state: 'detached' });
    await page.locator('[data-testid="event"][data-outcome="revoked"]').waitFor();
    expect((await timelineOutcomes()).slice(0, 2)).toEqual(['revoked', 'unlocked']);

    await gw.client.data(RevokeSessionDocument, { input: { sessionId: behindItsBack } });
    await session(behindItsBack).getByTestId('revoke-session').click();
    await confirmDialog();
    await byTestId('sessions').locator('..').getByTestId('error-code').filter({ hasText: 'SESSION_NOT_FOUND' }).waitFor();
    await byTestId('no-sessions').waitFor();
  });

  it('regenerates recovery codes after a confirmation and shows the new ones once; they work over the API', async () => {
    await byTestId('regenerate-codes').click();
    await confirmDialog();
    await byTestId('fresh-codes').waitFor();
    const shown = await byTestId('fresh-codes').locator('li').allTextContents();
    expect(shown).toHaveLength(10);
    expect(shown).not.toContain(user.recoveryCodes[0]);
    await gw.client.data(RecoverTotpDocument, { input: { userId: user.userId, recoveryCode: shown[0] } });
  });

  it('shows the project and adds an allowed origin', async () => {
    await byTestId('nav-project').click();
    await byTestId('public-token').waitFor();
    expect(await byTestId('public-token').textContent()).toMatch(/^public-token-/);
    await byTestId('origin-input').fill('https://App.example.com');
    await byTestId('add-origin').click();
    await byTestId('origins').filter({ hasText: 'https://app.example.com' }).waitFor();
    await byTestId('origin-input').fill('not an origin');
    await byTestId('add-origin').click();
    await byTestId('error-code').filter({ hasText: 'BAD_USER_INPUT' }).waitFor();
  });

  it('requires MFA and allows remembered devices from the keyboard after a confirmation, and the gateway saved them', async () => {
    await byTestId('mfa-policy').selectOption('REQUIRED');
    await byTestId('remember-devices').focus();
    await page.keyboard.press('Space');
    await byTestId('save-assurance').focus();
    await page.keyboard.press('Enter');
    await byTestId('confirm-dialog').waitFor();
    // Focus starts on Cancel; Tab reaches the confirming button.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await byTestId('assurance-settings').getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const { project } = await gw.client.data(ConsoleProjectDocument, {});
    expect(project).toMatchObject({ mfaPolicy: 'REQUIRED', rememberDevices: true, rememberedDeviceAal2: false });
    await shot('project');
  });

  it('loaded nothing from anywhere but the gateway, broke no CSP rule and threw no page errors', async () => {
    expect(aborted).toEqual([]);
    expect(await page.evaluate('window.cspViolations')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
