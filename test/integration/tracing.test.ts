// OpenTelemetry tracing: spans reach an OTLP/HTTP receiver as HTTP > GraphQL operation > SQL
// statements with the request id, no secret, code, token or credential ever appears in them, and
// tracing stays off (no export request) unless OTEL_* asks for it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import { AuthenticateSessionDocument, AuthenticateTotpDocument, CreateSessionDocument, RecoverTotpDocument } from '../../client';
import { describeEachDialect, startGateway, totpCode, type Dialect } from '../support/gateway';

interface Receiver {
  readonly url: string;
  /** Every body POSTed to /v1/traces, as received. */
  readonly bodies: string[];
  /** The content type of each of them. */
  readonly contentTypes: string[];
  close(): Promise<void>;
}

/** A minimal OTLP/HTTP receiver on 127.0.0.1, port chosen by the OS, answering every export with `status`. */
async function startReceiver(status = 200): Promise<Receiver> {
  const bodies: string[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        contentTypes.push(String(request.headers['content-type']));
      }
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, contentTypes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };

/** The spans of OTLP/JSON export bodies (resourceSpans > scopeSpans > spans). */
function spansOf(bodies: readonly string[]): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const body of bodies) {
    const payload = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Omit<ExportedSpan, 'attributes'> & { attributes?: Array<{ key: string; value: OtlpValue }> }> }> }> };
    for (const resource of payload.resourceSpans) {
      for (const scope of resource.scopeSpans) {
        for (const span of scope.spans) {
          const attributes: ExportedSpan['attributes'] = {};
          for (const { key, value } of span.attributes ?? []) attributes[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.boolValue ?? '');
          spans.push({ ...span, attributes });
        }
      }
    }
  }
  return spans;
}

const tracingEnv = (receiver: Receiver): Record<string, string> => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: 'totp-gateway-test',
  OTEL_BSP_SCHEDULE_DELAY: '50',
});

describeEachDialect('tracing on %s', (dialect: Dialect) => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  it('exports HTTP > GraphQL operation > SQL statement spans, each with the request id', async () => {
    const gw = await startGateway({ dialect, env: tracingEnv(receiver) });
    const user = await gw.enroll();
    await gw.client.data(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: totpCode(user.secret) } });
    // Closing flushes the batch processor: every span is exported before close() resolves.
    await gw.close();

    const spans = spansOf(receiver.bodies);
    const operation = spans.find((s) => s.attributes['graphql.operation.name'] === 'AuthenticateTotp');
    expect(operation).toMatchObject({ name: 'mutation AuthenticateTotp', attributes: { 'graphql.operation.type': 'mutation' } });
    const requestId = operation!.attributes['totp_gateway.request_id'];
    expect(requestId).toEqual(expect.any(String));

    const http = spans.find((s) => s.spanId === operation!.parentSpanId);
    expect(http).toMatchObject({
      traceId: operation!.traceId,
      name: 'POST /graphql',
      kind: 2, // SERVER
      attributes: { 'http.request.method': 'POST', 'http.route': '/graphql', 'http.response.status_code': 200, 'totp_gateway.request_id': requestId },
    });

    const statements = spans.filter((s) => s.parentSpanId === operation!.spanId);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement).toMatchObject({
        traceId: operation!.traceId,
        kind: 3, // CLIENT
        attributes: { 'db.system.name': dialect === 'sqlite' ? 'sqlite' : 'postgresql', 'totp_gateway.request_id': requestId },
      });
    }
    // The statement that reads the TOTP, by its text with placeholders.
    expect(statements.some((s) => /SELECT/i.test(String(s.attributes['db.query.text'])) && /\?|\$1/.test(String(s.attributes['db.query.text'])))).toBe(true);
  });

  it('never exports a secret, code, recovery code, token, JWT or credential', async () => {
    const gw = await startGateway({ dialect, env: tracingEnv(receiver) });
    const user = await gw.enroll();
    const code = totpCode(user.secret);
    const viaTotp = await gw.client.data(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: code, sessionDurationMinutes: 60 } });
    const recoveryCode = user.recoveryCodes[0];
    const viaRecovery = await gw.client.data(RecoverTotpDocument, { input: { userId: user.userId, recoveryCode, sessionDurationMinutes: 60 } });
    const created = await gw.client.data(CreateSessionDocument, { input: { userId: user.userId, sessionDurationMinutes: 60 } });
    const viaToken = await gw.client.data(AuthenticateSessionDocument, { input: { sessionToken: created.createSession.sessionToken } });
    const viaJwt = await gw.client.data(AuthenticateSessionDocument, { input: { sessionJwt: created.createSession.sessionJwt } });
    await gw.close();

    const exported = receiver.bodies.join('\n');
    const names = new Set(spansOf(receiver.bodies).map((s) => s.attributes['graphql.operation.name']));
    for (const name of ['CreateTotp', 'AuthenticateTotp', 'RecoverTotp', 'CreateSession', 'AuthenticateSession']) expect(names).toContain(name);
    const secrets = [
      user.secret,
      code,
      ...user.recoveryCodes,
      viaTotp.authenticateTotp.sessionToken,
      viaTotp.authenticateTotp.sessionJwt,
      viaRecovery.recoverTotp.sessionToken,
      viaRecovery.recoverTotp.sessionJwt,
      created.createSession.sessionToken,
      created.createSession.sessionJwt,
      viaToken.authenticateSession.sessionJwt,
      viaJwt.authenticateSession.sessionJwt,
      gw.project.secret,
      Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64'),
    ].filter((value): value is string => typeof value === 'string' && value.length > 0);
    expect(secrets.length).toBeGreaterThan(12);
    for (const secret of secrets) expect(exported.includes(secret)).toBe(false);
    // Nor any part of a request: no header, variables or document text.
    expect(exported).not.toMatch(/authorization|cookie|x-public-token|\$input|"input"|totpCode|sessionJwt|mutation \w+\(/i);
    // No statement text with an inlined value: every recorded one binds its values.
    const texts = spansOf(receiver.bodies).map((s) => s.attributes['db.query.text']).filter((t) => t !== undefined);
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(String(text)).not.toMatch(/'|(?<![\w$])\d{4,}/);
  });

  it('continues a caller\'s W3C traceparent on a REST route, recording the route template and not the path', async () => {
    const gw = await startGateway({ dialect, env: tracingEnv(receiver) });
    const userId = await gw.createUser();
    const [traceId, parentId] = ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'];
    const response = await fetch(`${gw.url}/v1/users/${userId}`, {
      headers: { authorization: `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}`, traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(response.status).toBe(200);
    await gw.close();

    const spans = spansOf(receiver.bodies);
    const http = spans.find((s) => s.attributes['http.route'] === '/v1/users/:user_id');
    expect(http).toMatchObject({ traceId, parentSpanId: parentId, name: 'GET /v1/users/:user_id', attributes: { 'http.response.status_code': 200 } });
    expect(spans.filter((s) => s.parentSpanId === http!.spanId && s.attributes['db.system.name']).length).toBeGreaterThan(0);
    expect(receiver.bodies.join('\n')).not.toContain(userId);
  });

  it('sends OTLP protobuf by default (OTEL_EXPORTER_OTLP_PROTOCOL unset)', async () => {
    const { OTEL_EXPORTER_OTLP_PROTOCOL: _json, ...env } = tracingEnv(receiver);
    const gw = await startGateway({ dialect, env });
    await gw.createUser();
    await gw.close();
    expect(receiver.contentTypes.length).toBeGreaterThan(0);
    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/x-protobuf']));
    // Protobuf keeps strings as UTF-8 bytes: the operation's name is there, as in JSON.
    expect(receiver.bodies.join('')).toContain('mutation CreateUser');
  });

  it('keeps answering when the collector refuses exports, and logs a warning without span contents', async () => {
    const refusing = await startReceiver(503);
    try {
      const gw = await startGateway({ dialect, env: tracingEnv(refusing) });
      const user = await gw.enroll();
      await gw.close();
      expect(refusing.bodies.length).toBeGreaterThan(0);
      const warnings = gw.logs().split('\n').filter((line) => line.includes('could not be exported'));
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings.join('\n')).toContain('HTTP 503');
      expect(warnings.join('\n')).not.toContain(user.secret);
    } finally {
      await refusing.close();
    }
  });

  it('exports nothing when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, even with an endpoint set', async () => {
    const offs: Array<Record<string, string>> = [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }];
    for (const off of offs) {
      const gw = await startGateway({ dialect, env: { ...tracingEnv(receiver), ...off } });
      expect(gw.config.tracing).toBeNull();
      const user = await gw.enroll();
      await gw.client.data(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: totpCode(user.secret) } });
      await gw.close();
    }
    expect(receiver.bodies).toEqual([]);
  });
});

describe('tracing configuration', () => {
  const base = { NODE_ENV: 'test', GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };

  it('is off by default, and on with an endpoint or OTEL_TRACES_EXPORTER=otlp', () => {
    expect(loadConfig(base).tracing).toBeNull();
    expect(loadConfig({ ...base, OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).tracing).toBeNull();
    expect(loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'otlp' }).tracing).toMatchObject({ endpoint: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf', serviceName: 'totp-gateway' });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({ endpoint: 'http://collector:4318/v1/traces' });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c.example/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318' }).tracing).toMatchObject({ endpoint: 'https://c.example/custom' });
    expect(loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).tracing).toBeNull();
  });

  it('parses headers, resource attributes and the sampler, and refuses what it cannot honour', () => {
    const tracing = loadConfig({
      ...base,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b,x=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x=2',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource,deployment.environment.name=prod',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(tracing).toMatchObject({ headers: { 'api-key': 'a b', x: '2' }, serviceName: 'from-resource', sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
    expect(() => loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/http\(s\) URL/);
    expect(() => loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});
