// The README's first minutes run as written: the start banner's `try:` line, steps 1 to 3 (user, TOTP, a code without a phone, authentication), step 4's session check and its jose JWT verification, and Assurance's jose check of acr and the factor's age.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/**
 * The fenced block after `<!-- readme-test: NAME -->` in README.md. A line `export NAME=...` (a value
 * ending in `...`: the reader fills it in) is left out; the test sets that variable instead.
 */
function snippet(name: string): string {
  const match = new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(readme);
  if (!match) throw new Error(`README.md has no block marked readme-test: ${name}`);
  return match[1]
    .split('\n')
    .filter((line) => !/^export \w+=\S*\.\.\.(\s|$)/.test(line))
    .join('\n');
}

/** Runs `command` with `program` (bash, sh, node ...) from the repository root, as a reader would. */
function run(program: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-readme-'));
let gateway: GatewayProcess;
let project: { projectId: string; secret: string };

beforeAll(async () => {
  ensureBuilt();
  gateway = await startProcess({ DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
  const output = gateway.output();
  project = { projectId: /project id: (project-\S+)/.exec(output)![1], secret: /secret: +(\S+)/.exec(output)![1] };
}, 60_000);
afterAll(async () => {
  await gateway?.kill();
  rmSync(dir, { recursive: true, force: true });
});

it("the start banner's try: line runs as printed in a shell and answers", async () => {
  const tryLine = /^ {2}try: (.+)$/m.exec(gateway.output())?.[1];
  expect(tryLine).toBeDefined();
  const result = await run('sh', ['-c', tryLine!], {});
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({ data: { __typename: 'Query' } });
});

describe('steps 3 and 4', () => {
  let session: { sessionToken: string; sessionJwt: string; userId: string };

  it('steps 1 to 3: create a user, enroll a TOTP, get the code without a phone (`totp code`), authenticate', async () => {
    const shell = (names: string[], env: Record<string, string>) =>
      run('bash', ['-c', [snippet('gql-setup'), ...names.map(snippet)].join('\n')], { PROJECT_ID: project.projectId, SECRET: project.secret, PORT: new URL(gateway.url).port, ...env });
    const created = await shell(['create-user'], {});
    expect(created.code).toBe(0);
    const userId = JSON.parse(created.stdout).data.createUser.userId as string;
    expect(userId).toMatch(/^user-/);
    const enrolled = await shell(['create-totp'], { USER_ID: userId });
    const { secret } = JSON.parse(enrolled.stdout).data.createTotp as { secret: string };
    const result = await shell(['totp-code', 'authenticate'], { TOTP_SECRET: secret, USER_ID: userId });
    expect(result.code).toBe(0);
    const [code, answer] = result.stdout.trim().split('\n');
    expect(code).toMatch(/^\d{6}$/);
    const body = JSON.parse(answer);
    expect(body.errors).toBeUndefined();
    session = { ...body.data.authenticateTotp, userId };
    expect(session.userId).toBe(userId);
  }, 60_000);

  it('step 4: authenticateSession with the session token answers the session', async () => {
    const port = new URL(gateway.url).port;
    const script = [snippet('gql-setup'), snippet('check-session')].join('\n');
    const result = await run('bash', ['-c', script], { PROJECT_ID: project.projectId, SECRET: project.secret, PORT: port, SESSION_TOKEN: session.sessionToken });
    const body = JSON.parse(result.stdout);
    expect(body.errors).toBeUndefined();
    expect(body.data.authenticateSession.session.sessionId).toMatch(/^session-/);
  });

  it("step 4: the jose snippet verifies the session JWT against the JWKS and finds the second factor (acr AAL2)", async () => {
    const result = await run(process.execPath, ['--input-type=module', '-e', snippet('verify-jwt')], {
      GATEWAY_URL: gateway.url,
      PROJECT_ID: project.projectId,
      SESSION_JWT: session.sessionJwt,
    });
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(`user ${session.userId} passed TOTP until `) });
    // The same snippet refuses a JWT for another audience.
    const refused = await run(process.execPath, ['--input-type=module', '-e', snippet('verify-jwt')], {
      GATEWAY_URL: gateway.url,
      PROJECT_ID: 'project-00000000-0000-4000-8000-000000000000',
      SESSION_JWT: session.sessionJwt,
    });
    expect(refused.code).not.toBe(0);
  });

  it("Assurance: the jose snippet checks acr and the second factor's age, and honours PUBLIC_URL as the issuer", async () => {
    const env = { GATEWAY_URL: gateway.url, PROJECT_ID: project.projectId, SESSION_JWT: session.sessionJwt };
    const result = await run(process.execPath, ['--input-type=module', '-e', snippet('verify-assurance')], env);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^user ${session.userId} proved a second factor \\d+ s ago\n$`)) });
    // This gateway has no PUBLIC_URL: an issuer of another URL is refused.
    const otherIssuer = await run(process.execPath, ['--input-type=module', '-e', snippet('verify-assurance')], { ...env, PUBLIC_URL: 'https://auth.example.com/' });
    expect(otherIssuer.code).not.toBe(0);
    expect(otherIssuer.stderr).toMatch(/iss/);
  });
});
