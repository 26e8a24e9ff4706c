// The REST facade's OpenAPI 3.1 document (GET /v1/openapi.json) is valid, public and complete: every route it lists, enumerated from the document, answers a real request and an error in exactly the documented shape for that status (strict Ajv, closed objects), and a documented route nobody exercises fails.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { MINUTE_MS } from '../../src/common/clock';
import { CreateSessionInput } from '../../src/sessions/session.inputs';
import { describeEachDialect, startGateway, totpCode, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';

/** The part of better-sqlite3's API used here (the package ships no types). */
interface SqliteDatabase {
  exec(sql: string): void;
  close(): void;
  readonly inTransaction: boolean;
}
const Sqlite = require('better-sqlite3') as new (path: string, options: { timeout: number }) => SqliteDatabase;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Answer {
  readonly status: number;
  readonly body: Json;
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly spec: Json;
}

const PACKAGE = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { name: string; version: string };

/**
 * Validates a document with @seriousme/openapi-schema-validator (the OpenAPI Initiative's JSON
 * Schemas). It ships ESM only and reads its schemas through import.meta, so it runs in a Node child.
 */
function validateDocument(document: Json): Promise<{ valid: boolean; version: string; errors?: unknown }> {
  const entry = pathToFileURL(require.resolve('@seriousme/openapi-schema-validator')).href;
  const script = `import { Validator } from ${JSON.stringify(entry)};
let input = ''; for await (const chunk of process.stdin) input += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(input));
process.stdout.write(JSON.stringify({ ...result, version: validator.version }));`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))));
    child.stdin!.end(JSON.stringify(document));
  });
}

/** A documented schema whose `#/components/schemas/X` references point at the components schema Ajv holds. */
function withAjvRefs(schema: object): Json {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"components#/$defs/')) as Json;
}

/** Every operation of the document, as `METHOD /path`. */
function operations(document: Json): Operation[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).map(([method, spec]) => ({ method: method.toUpperCase(), path, spec: spec as Json })));
}

describeEachDialect('the OpenAPI document on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let document: Json;
  let ajv: Ajv2020;

  beforeAll(async () => {
    gw = await startGateway({ dialect });
    const response = await fetch(`${gw.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Json;
    // Strict: unknown keywords, formats or loose types in a documented schema fail the compile.
    ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'components', $defs: withAjvRefs(document.components.schemas) });
  });
  afterAll(() => gw?.close());

  async function call(method: string, path: string, body?: unknown, options: { auth?: boolean; contentType?: string } = {}): Promise<Answer> {
    const response = await fetch(`${gw.url}/v1${path}`, {
      method,
      headers: {
        ...(options.auth !== false && { authorization: gw.client.authorization! }),
        ...(body !== undefined && { 'content-type': options.contentType ?? 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  const email = () => `openapi-${randomUUID()}@example.com`;
  const unknownUser = () => `user-${randomUUID()}`;
  const newUser = async () => (await call('POST', '/users', { email: email() })).body.user_id as string;
  const enroll = (): Promise<Enrollment> => gw.enroll({ verify: true });

  /** Per operationId: a valid request (200) and at least one error, driven over HTTP. */
  const SCENARIOS: Record<string, () => Promise<Answer[]>> = {
    createUser: async () => {
      const address = email();
      return [await call('POST', '/users', { email: address, name: { first_name: 'Ada' } }), await call('POST', '/users', { email: address }), await call('POST', '/users', { email: 1 }), await call('POST', '/users', 'x', { contentType: 'text/plain' })];
    },
    getUser: async () => [await call('GET', `/users/${(await enroll()).userId}`), await call('GET', `/users/${unknownUser()}`)],
    updateUser: async () => {
      const [a, b] = [await newUser(), await newUser()];
      const externalId = `ext-${randomUUID()}`;
      return [await call('PUT', `/users/${a}`, { external_id: externalId, untrusted_metadata: { theme: 'dark' } }), await call('PUT', `/users/${b}`, { external_id: externalId }), await call('PUT', `/users/${unknownUser()}`, {})];
    },
    searchUsers: async () => [await call('POST', '/users/search', { limit: 2 }), await call('POST', '/users/search', { limit: 0 })],
    deleteUser: async () => {
      const userId = await newUser();
      return [await call('DELETE', `/users/${userId}`), await call('DELETE', `/users/${userId}`)];
    },
    unlockUser: async () => [await call('POST', `/users/${(await enroll()).userId}/unlock`), await call('POST', `/users/${unknownUser()}/unlock`)],
    createTotp: async () => [await call('POST', '/totps', { user_id: await newUser(), label: 'Work phone' }), await call('POST', '/totps', { user_id: unknownUser() }), await call('POST', '/totps', { user_id: 7 })],
    authenticateTotp: async () => {
      const { userId, secret } = await enroll();
      return [
        await call('POST', '/totps/authenticate', { user_id: userId, totp_code: totpCode(secret), session_duration_minutes: 60 }),
        await call('POST', '/totps/authenticate', { user_id: userId, totp_code: totpCode(secret) }),
        await call('POST', '/totps/authenticate', { user_id: userId, totp_code: totpCode(secret), session_duration_minutes: 60 }, { auth: false }),
        // The project does not remember devices: 403.
        await call('POST', '/totps/authenticate', { user_id: userId, totp_code: totpCode(secret, 1), remember_device_days: 30 }),
      ];
    },
    migrateTotp: async () => {
      const userId = await newUser();
      const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      const migrate = () => call('POST', '/totps/migrate', { user_id: userId, secret, label: 'Old provider' });
      return [await migrate(), await migrate(), await call('POST', '/totps/migrate', { user_id: userId, secret: 'not base32!' }), await call('POST', '/totps/migrate', { user_id: unknownUser(), secret })];
    },
    getRecoveryCodes: async () => [await call('POST', '/totps/recovery_codes', { user_id: (await enroll()).userId }), await call('POST', '/totps/recovery_codes', { user_id: unknownUser() })],
    recoverTotp: async () => {
      const { userId, recoveryCodes } = await enroll();
      const recover = () => call('POST', '/totps/recover', { user_id: userId, recovery_code: recoveryCodes[0] });
      return [await recover(), await recover()];
    },
    deleteUserTotp: async () => {
      const { totpId } = await enroll();
      return [await call('DELETE', `/users/totps/${totpId}`), await call('DELETE', `/users/totps/${totpId}`)];
    },
    authenticateSession: async () => {
      const token = await sessionToken();
      return [
        await call('POST', '/sessions/authenticate', { session_token: token, require_assurance: 'AAL2', max_factor_age_seconds: 3600 }),
        await call('POST', '/sessions/authenticate', { session_token: 'not-a-session-token' }),
        await call('POST', '/sessions/authenticate', { session_token: await backendSession(), require_assurance: 'AAL2' }),
      ];
    },
    authenticateRememberedDevice: () =>
      remembering(async () => {
        const { userId, deviceToken } = await rememberedDevice();
        return [
          await call('POST', '/remembered_devices/authenticate', { user_id: userId, device_token: deviceToken, session_duration_minutes: 60 }),
          await call('POST', '/remembered_devices/authenticate', { user_id: userId, device_token: 'A'.repeat(43) }),
          await call('POST', '/remembered_devices/authenticate', { user_id: unknownUser(), device_token: deviceToken }),
        ];
      }),
    getRememberedDevices: () =>
      remembering(async () => {
        const { userId } = await rememberedDevice();
        return [await call('GET', `/remembered_devices?user_id=${userId}`), await call('GET', `/remembered_devices?user_id=${unknownUser()}`)];
      }),
    forgetRememberedDevice: () =>
      remembering(async () => {
        const { rememberedDeviceId } = await rememberedDevice();
        return [await call('DELETE', `/remembered_devices/${rememberedDeviceId}`), await call('DELETE', `/remembered_devices/${rememberedDeviceId}`), await call('DELETE', '/remembered_devices/nope')];
      }),
    forgetRememberedDevices: () =>
      remembering(async () => {
        const { userId } = await rememberedDevice();
        const forgotten = await call('DELETE', `/remembered_devices?user_id=${userId}`);
        expect(forgotten.body).toMatchObject({ user_id: userId, forgotten: 1 });
        expect((await call('GET', `/remembered_devices?user_id=${userId}`)).body.remembered_devices).toEqual([]);
        return [forgotten, await call('DELETE', `/remembered_devices?user_id=${unknownUser()}`), await call('DELETE', '/remembered_devices')];
      }),
    revokeSession: async () => {
      const token = await sessionToken();
      return [await call('POST', '/sessions/revoke', { session_token: token }), await call('POST', '/sessions/revoke', { session_id: `session-${randomUUID()}` })];
    },
    getSessions: async () => {
      const { userId, secret } = await enroll();
      await call('POST', '/totps/authenticate', { user_id: userId, totp_code: totpCode(secret), session_duration_minutes: 60 });
      return [await call('GET', `/sessions?user_id=${userId}`), await call('GET', '/sessions?user_id=no-such-external-id')];
    },
    getJwks: async () => [await call('GET', `/sessions/jwks/${gw.project.projectId}`, undefined, { auth: false }), await call('GET', '/sessions/jwks/%FF', undefined, { auth: false })],
  };

  /** Runs `scenario` while the test project remembers devices (off by default, and again afterwards). */
  async function remembering(scenario: () => Promise<Answer[]>): Promise<Answer[]> {
    await gw.gateway.services.projectSettings.update(gw.project.projectId, { rememberDevices: true });
    try {
      return await scenario();
    } finally {
      await gw.gateway.services.projectSettings.update(gw.project.projectId, { rememberDevices: false });
    }
  }

  /** A verified user with a device remembered by REST. */
  async function rememberedDevice(): Promise<{ userId: string; deviceToken: string; rememberedDeviceId: string }> {
    const { userId, secret } = await enroll();
    const { body } = await call('POST', '/totps/authenticate', { user_id: userId, totp_code: totpCode(secret), remember_device_days: 30 });
    return { userId, deviceToken: body.device_token as string, rememberedDeviceId: body.remembered_device_id as string };
  }

  /** A session the backend started (AAL1): createSession has no REST route, so through the service. */
  async function backendSession(): Promise<string> {
    const userId = await newUser();
    return (await gw.gateway.services.sessions.start(gw.project.projectId, Object.assign(new CreateSessionInput(), { userId, sessionDurationMinutes: 60 }))).sessionToken;
  }

  /** A live session's token, from an accepted TOTP code. */
  async function sessionToken(): Promise<string> {
    const { userId, secret } = await enroll();
    const { body } = await call('POST', '/totps/authenticate', { user_id: userId, totp_code: totpCode(secret), session_duration_minutes: 60 });
    return body.session_token as string;
  }

  it('is public and valid OpenAPI 3.1 with the package title and version, HTTP Basic security and a relative server', async () => {
    const result = await validateDocument(document);
    expect(result).toMatchObject({ valid: true, version: '3.1' });
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.stringContaining(PACKAGE.name), version: PACKAGE.version });
    expect(document.servers).toEqual([expect.objectContaining({ url: '/v1' })]);
    expect(document.components.securitySchemes).toEqual({ projectSecret: expect.objectContaining({ type: 'http', scheme: 'basic' }) });
    expect(document.security).toEqual([{ projectSecret: [] }]);
    expect(Object.keys(document.paths)).not.toContain('/openapi.json');
  });

  it('documents every operation with a Stytch name, a tag, its path parameters and body, and its success and error answers', () => {
    for (const { method, path, spec } of operations(document)) {
      const where = `${method} ${path}`;
      expect({ where, summary: typeof spec.summary, tags: spec.tags?.length, id: typeof spec.operationId }).toEqual({ where, summary: 'string', tags: 1, id: 'string' });
      expect({ where, statuses: Object.keys(spec.responses) }).toEqual({ where, statuses: expect.arrayContaining(['200', '400', '500', '503']) });
      // Each documented answer compiles under strict Ajv (no unknown keyword or format, no loose type).
      for (const response of Object.values(spec.responses as Json)) expect(typeof ajv.compile(withAjvRefs(response.content['application/json'].schema))).toBe('function');
      const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ in: 'path', name, required: true, schema: { type: 'string' } }));
      expect({ where, parameters: (spec.parameters ?? []).filter((p: Json) => p.in === 'path') }).toEqual({ where, parameters: pathParameters });
      if (spec.requestBody) expect({ where, body: spec.requestBody.content['application/json'].schema.type }).toEqual({ where, body: ['object', 'null'] });
    }
  });

  it('drives every documented operation, and only those', () => {
    expect(operations(document).map(({ spec }) => spec.operationId).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  /** The answer judged against the documented schema of its status (undocumented status: a failure). */
  function judge(operation: Operation, answer: Answer) {
    const { operationId } = operation.spec;
    const response = operation.spec.responses[String(answer.status)];
    if (!response) return { operationId, status: answer.status, body: answer.body, errors: ['status not documented'] };
    const validate = ajv.compile(withAjvRefs(response.content['application/json'].schema));
    return { operationId, status: answer.status, body: answer.body, errors: validate(answer.body) ? [] : validate.errors };
  }

  it('answers, on every operation the document lists, a valid request and its errors in the documented shape for each status', async () => {
    for (const operation of operations(document)) {
      const { operationId } = operation.spec;
      expect({ operationId, driven: operationId in SCENARIOS }).toEqual({ operationId, driven: true });
      const answers = await SCENARIOS[operationId]();
      expect({ operationId, statuses: answers.map((a) => a.status) }).toEqual({ operationId, statuses: expect.arrayContaining([200]) });
      expect({ operationId, errors: answers.filter((a) => a.status !== 200).length > 0 }).toEqual({ operationId, errors: true });
      for (const answer of answers) {
        const verdict = judge(operation, answer);
        expect(verdict).toEqual({ ...verdict, errors: [] });
      }
    }
  });

  it('answers 401 in the documented shape on every operation that needs project credentials', async () => {
    for (const operation of operations(document).filter(({ spec }) => !spec.security)) {
      const answer = await call(operation.method, ...anyRequest(operation), { auth: false });
      expect({ operationId: operation.spec.operationId, status: answer.status }).toEqual({ operationId: operation.spec.operationId, status: 401 });
      const verdict = judge(operation, answer);
      expect(verdict).toEqual({ ...verdict, errors: [] });
    }
  });

  it('answers 429 with Retry-After in the documented shape on every operation a rate limit applies to', async () => {
    // A frozen clock: every request falls in one rate-limit window (one request a minute), however long
    // the run takes; a clock that read Date.now() would open a fresh window at a minute boundary.
    const frozenAt = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    const clock = { now: () => frozenAt };
    const limited = await startGateway({ dialect, clock, env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '1' } });
    try {
      const authorization = limited.client.authorization!;
      await fetch(`${limited.url}/v1/users/search`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: '{}' });
      for (const operation of operations(document).filter(({ spec }) => !spec.security)) {
        const [path, body] = anyRequest(operation);
        const response = await fetch(`${limited.url}/v1${path}`, { method: operation.method, headers: { authorization, ...(body && { 'content-type': 'application/json' }) }, body: body && JSON.stringify(body) });
        const answer = { status: response.status, body: (await response.json()) as Json };
        expect({ operationId: operation.spec.operationId, status: answer.status, retryAfter: response.headers.get('retry-after') }).toEqual({ operationId: operation.spec.operationId, status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
        const verdict = judge(operation, answer);
        expect(verdict).toEqual({ ...verdict, errors: [] });
      }
    } finally {
      await limited.close();
    }
  });

  // SQLite only: a second connection holds the file's write lock (as the CLI or an operator's shell may).
  (dialect === 'sqlite' ? it : it.skip)('answers 503 with Retry-After in the documented shape when the database is busy', async () => {
    const busy = await startGateway({ dialect, env: { DATABASE_BUSY_TIMEOUT_MS: '0' } });
    const holder = new Sqlite(join(busy.dataDir, 'gateway.sqlite'), { timeout: 0 });
    try {
      holder.exec('BEGIN IMMEDIATE');
      const response = await fetch(`${busy.url}/v1/users`, { method: 'POST', headers: { authorization: busy.client.authorization!, 'content-type': 'application/json' }, body: JSON.stringify({ email: email() }) });
      const answer = { status: response.status, body: (await response.json()) as Json };
      expect({ status: answer.status, retryAfter: response.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      const verdict = judge(operations(document).find(({ spec }) => spec.operationId === 'createUser')!, answer);
      expect(verdict).toEqual({ ...verdict, errors: [] });
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await busy.close();
    }
  });
});

/**
 * A request any operation's schemas accept (path parameters filled in, a body of fields that pass
 * every body schema), so what is judged is the credentials or the rate limit, not the input.
 */
function anyRequest(operation: Operation): [path: string, body: Json | undefined] {
  const user = `user-${randomUUID()}`;
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'totp_id' ? `totp-${randomUUID()}` : user));
  if (operation.method === 'GET') return [path === '/sessions' ? `/sessions?user_id=${user}` : path, undefined];
  return [path, ['POST', 'PUT'].includes(operation.method) ? { user_id: user, totp_code: '000000', recovery_code: 'xxxx-xxxx-xxxx' } : undefined];
}
