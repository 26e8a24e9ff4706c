// The offline explorer (GRAPHQL_EXPLORER=graphiql) in headless Debian Chromium with every request that is not to 127.0.0.1 aborted: the page loads only the gateway's own files under its strict CSP, takes the project's credentials in its form (kept out of storage and the URL), runs operations through GraphiQL and shows their results.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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

/** Sets GraphiQL's operation editor (CodeMirror 5) to `text`. */
async function typeOperation(page: Page, text: string): Promise<void> {
  await page.evaluate((value) => {
    const editor = document.querySelector('.graphiql-query-editor .CodeMirror') as unknown as { CodeMirror: { setValue(v: string): void } };
    editor.CodeMirror.setValue(value);
  }, text);
}

/** Runs the operation in the editor and returns the response pane's text once it contains `expected`. */
async function run(page: Page, expected: string): Promise<string> {
  await page.locator('.graphiql-execute-button').click();
  const response = page.locator('.graphiql-response .CodeMirror');
  await response.filter({ hasText: expected }).waitFor();
  return page.evaluate(() => (document.querySelector('.graphiql-response .CodeMirror') as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
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
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
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
    const text = await run(page, '"errors"');
    expect(text).toMatch(/UNAUTHORIZED|UNAUTHENTICATED|FORBIDDEN/);
    expect(text).not.toContain('"userId"');
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
    const kept = await page.evaluate(() => ({
      url: window.location.href,
      cookie: document.cookie,
      local: JSON.stringify({ ...window.localStorage }),
      session: JSON.stringify({ ...window.sessionStorage }),
    }));
    for (const place of Object.values(kept)) {
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

  it('runs under its Content-Security-Policy without a violation or an uncaught error', async () => {
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(aborted).toEqual([]);
  });
});
