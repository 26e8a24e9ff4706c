// The offline explorer (GRAPHQL_EXPLORER=graphiql) in headless Debian Chromium with every request that is not to 127.0.0.1 aborted: the page loads only the gateway's own files under its strict CSP, takes the project's credentials in its form (kept out of storage and the URL), runs operations through GraphiQL and shows their results.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CreateSessionDocument } from '../../client';
import { startGateway, type TestGateway } from '../support/gateway';
import { isCI } from '../support/ci';

/** Debian's chromium package; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Bound on any one wait in the page, so a broken step fails with its own message, not the test timeout. */
const STEP_TIMEOUT_MS = 20_000;
const START_TIMEOUT_MS = 60_000;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !isCI()) process.stderr.write(`\n${CHROMIUM} not found: skipping the explorer browser test (CI fails instead; apt-get install chromium).\n`);
const describeInBrowser = haveChromium || isCI() ? describe : describe.skip;

/** GraphiQL's operation editor and response pane are CodeMirror 5 instances (browser code as text: no DOM types here). */
const EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror";
const RESPONSE = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror";

/** Sets GraphiQL's operation editor to `text`. */
async function typeOperation(page: Page, text: string): Promise<void> {
  await page.evaluate(`${EDITOR}.setValue(${JSON.stringify(text)})`);
}

/** Runs the operation in the editor and returns the response pane's text once it contains `expected`. */
async function run(page: Page, expected: string): Promise<string> {
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.graphiql-response .CodeMirror').filter({ hasText: expected }).waitFor();
  return String(await page.evaluate(`${RESPONSE}.getValue()`));
}

describeInBrowser('offline explorer in headless Chromium', () => {
  let gw: TestGateway;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  /** Every URL the page asked for, and those aborted because they leave 127.0.0.1. */
  const requested: string[] = [];
  const aborted: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium).`);
    gw = await startGateway({ env: { GRAPHQL_EXPLORER: 'graphiql' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext();
    // No network but the gateway: anything else is recorded and aborted, as on an air-gapped host.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requested.push(url);
      if (new URL(url).hostname === '127.0.0.1') return route.continue();
      aborted.push(url);
      return route.abort('internetdisconnected');
    });
    // CSP violations are reported to the page as events: collect them for the assertion below.
    await context.addInitScript({
      content: "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${gw.url}/graphql`);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('renders GraphiQL from the gateway with no request leaving 127.0.0.1', async () => {
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    expect(aborted).toEqual([]);
    expect(requested.every((url) => new URL(url).origin === new URL(gw.url).origin)).toBe(true);
    // The page, its four vendor files and its own two.
    expect(requested.filter((url) => url.includes('/graphql/explorer/'))).toHaveLength(6);
  });

  it('runs anonymously before credentials are given, and the gateway refuses the field', async () => {
    await typeOperation(page, 'mutation { createUser(input: {email: "anon@example.com"}) { userId } }');
    const body = JSON.parse(await run(page, '"errors"')) as { data: unknown; errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    expect(body.data).toBeNull();
  });

  it('runs { __typename } and a createUser mutation with the project id and secret typed into the form', async () => {
    await page.getByTestId('project-id').fill(gw.project.projectId);
    await page.getByTestId('secret').fill(gw.project.secret);
    await page.getByTestId('use-credentials').click();
    await page.getByTestId('credentials-status').filter({ hasText: gw.project.projectId }).waitFor();
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();

    await typeOperation(page, 'query { __typename }');
    expect(JSON.parse(await run(page, '"Query"'))).toEqual({ data: { __typename: 'Query' } });

    await typeOperation(page, 'mutation { createUser(input: {email: "explorer@example.com"}) { userId } }');
    const created = JSON.parse(await run(page, '"userId"')) as { data: { createUser: { userId: string } } };
    expect(created.data.createUser.userId).toMatch(/^user-/);
    expect(aborted).toEqual([]);
  });

  it('keeps the credentials out of storage, cookies and the URL', async () => {
    const kept = (await page.evaluate('[window.location.href, document.cookie, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })]')) as string[];
    expect(kept).toHaveLength(4);
    for (const place of kept) {
      expect(place).not.toContain(gw.project.secret);
      expect(place).not.toContain(Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64'));
    }
  });

  it('shows the refusal for a wrong secret', async () => {
    await page.getByTestId('secret').fill(`${gw.project.secret}x`);
    await page.getByTestId('use-credentials').click();
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    await typeOperation(page, 'query { __typename }');
    expect(await run(page, 'UNAUTHORIZED_CREDENTIALS')).not.toContain('"Query"');
  });

  it('calls as a session with the public token and a session token, once the project allows the page\'s origin', async () => {
    await gw.gateway.services.projects.addOrigin(gw.project.projectId, new URL(gw.url).origin);
    const userId = await gw.createUser();
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    await page.getByTestId('mode').selectOption('session');
    await page.getByTestId('public-token').fill(gw.project.publicToken);
    await page.getByTestId('session').fill(createSession.sessionToken);
    await page.getByTestId('use-credentials').click();
    await page.getByTestId('credentials-status').filter({ hasText: gw.project.publicToken }).waitFor();
    // `me` answers only a session caller: the session's own user.
    await typeOperation(page, 'query { me { userId } }');
    expect(JSON.parse(await run(page, userId))).toEqual({ data: { me: { userId } } });
  });

  it('runs under its Content-Security-Policy without a violation or an uncaught error', async () => {
    expect(await page.evaluate('window.cspViolations')).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(aborted).toEqual([]);
  });
});
