// The demo's "customer backend": the only holder of the project secret. It does the first factor
// (a password), creates the gateway user on first sign-in, starts a gateway session with
// createSession, and hands the browser only what a browser may hold: the session and the public
// token. It also serves the built page, and shows how a backend then checks a session JWT's factors.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createHash, timingSafeEqual } from 'node:crypto';
import { extname, join, resolve, sep } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** How long a sign-in's gateway session lasts (the gateway accepts 5..527040 minutes). */
const SESSION_DURATION_MINUTES = 60;
/** Sign-in bodies are tiny; anything larger is refused before it is read. */
const MAX_BODY_BYTES = 16 * 1024;
/** Stytch's session claim in the gateway's JWTs (README "The API"). */
const SESSION_CLAIM = 'https://stytch.com/session';
/** Factor types that count as a second factor on top of the backend's own ("external"). */
const SECOND_FACTORS = new Set(['totp', 'recovery_codes']);

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

// Operations the backend sends with the project secret. Kept inline (this file is plain JavaScript
// run by node, without the TypeScript build); the browser's operations are the typed ones.
const CREATE_USER = `mutation DemoCreateUser($input: CreateUserInput!) { createUser(input: $input) { userId } }`;
const CREATE_SESSION = `mutation DemoCreateSession($input: CreateSessionInput!) {
  createSession(input: $input) { userId sessionToken sessionJwt }
}`;

/** A failure the browser sees as `{ error: { code, message } }` with this HTTP status. */
class DemoError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Compares two strings in constant time (hashing first makes the lengths equal). */
function sameSecret(given, expected) {
  const digest = (value) => createHash('sha256').update(String(value)).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function readJson(request) {
  let size = 0;
  const chunks = [];
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new DemoError(413, 'BODY_TOO_LARGE', 'The request body is too large.');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new DemoError(400, 'BAD_REQUEST', 'Send a JSON body.');
  }
}

function send(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/**
 * Listens on host:port and serves the page from `staticDir` and the /api routes. The gateway's
 * coordinates come later through `connect()`: the demo binds this port first, because the page's
 * origin must be in the project's allowed origins before the gateway starts.
 *
 * @param {{ host: string, port: number, password: string, staticDir: string }} options
 */
export async function startDemoBackend({ host, port, password, staticDir }) {
  /** @type {{ gatewayUrl: string, projectId: string, secret: string, publicToken: string, jwks: ReturnType<typeof createRemoteJWKSet> } | null} */
  let gateway = null;
  /** email → the promise of its gateway user id; a promise, so concurrent first sign-ins create one user. */
  const users = new Map();
  const root = resolve(staticDir);

  /** Sends one operation with the project secret; returns its data or throws the gateway's first error. */
  async function callGateway(query, variables) {
    const response = await fetch(`${gateway.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Basic ' + Buffer.from(`${gateway.projectId}:${gateway.secret}`).toString('base64'),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    const error = body.errors?.[0];
    if (error) throw new DemoError(502, error.extensions?.code ?? 'GATEWAY_ERROR', error.message);
    return body.data;
  }

  function userIdFor(email) {
    let userId = users.get(email);
    if (!userId) {
      userId = callGateway(CREATE_USER, { input: { email } }).then((data) => data.createUser.userId);
      users.set(email, userId);
      // A failed creation is not remembered, so the next sign-in tries again.
      userId.catch(() => users.delete(email));
    }
    return userId;
  }

  async function signIn(request) {
    const { email, password: given } = await readJson(request);
    if (typeof email !== 'string' || !email.includes('@')) throw new DemoError(400, 'BAD_REQUEST', 'Enter an email address.');
    // The first factor. A real backend checks its own user store here (or SSO, or a passkey).
    if (typeof given !== 'string' || !sameSecret(given, password)) {
      throw new DemoError(401, 'INVALID_CREDENTIALS', 'Wrong password: use the demo password (DEMO_PASSWORD).');
    }
    const userId = await userIdFor(email.trim().toLowerCase());
    const { createSession } = await callGateway(CREATE_SESSION, {
      input: { userId, sessionDurationMinutes: SESSION_DURATION_MINUTES, sessionCustomClaims: { demo: true } },
    });
    // Never the secret: the public token only names the project, and is useless without a session.
    return {
      userId,
      sessionToken: createSession.sessionToken,
      sessionJwt: createSession.sessionJwt,
      publicToken: gateway.publicToken,
      gatewayUrl: gateway.gatewayUrl,
    };
  }

  /** What a protected route of the customer's backend does: verify the JWT locally, then require a second factor. */
  async function protectedRoute(request) {
    const jwt = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!jwt) throw new DemoError(401, 'SESSION_REQUIRED', 'Send the session JWT as Authorization: Bearer.');
    let payload;
    try {
      ({ payload } = await jwtVerify(jwt, gateway.jwks, { audience: gateway.projectId }));
    } catch (error) {
      throw new DemoError(401, 'INVALID_SESSION_JWT', `The session JWT did not verify (${error.code ?? error.message}).`);
    }
    const session = payload[SESSION_CLAIM];
    const factors = (session?.authentication_factors ?? []).map((factor) => factor.type);
    if (!factors.some((type) => SECOND_FACTORS.has(type))) {
      throw new DemoError(403, 'SECOND_FACTOR_REQUIRED', 'This session has no second factor yet: verify a TOTP code first.');
    }
    return { access: 'granted', userId: payload.sub, sessionId: session.id, factors };
  }

  async function serveStatic(pathname, response) {
    const file = resolve(join(root, pathname === '/' ? 'index.html' : decodeURIComponent(pathname)));
    if (!file.startsWith(root + sep)) throw new DemoError(404, 'NOT_FOUND', 'No such file.');
    let content;
    try {
      content = await readFile(file);
    } catch {
      throw new DemoError(404, 'NOT_FOUND', 'No such file.');
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(content);
  }

  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const handle = async () => {
      if (pathname.startsWith('/api/')) {
        if (!gateway) throw new DemoError(503, 'NOT_READY', 'The gateway is still starting; try again in a moment.');
        if (request.method !== 'POST') throw new DemoError(405, 'METHOD_NOT_ALLOWED', 'Use POST.');
        if (pathname === '/api/sign-in') return send(response, 200, await signIn(request));
        if (pathname === '/api/protected') return send(response, 200, await protectedRoute(request));
        throw new DemoError(404, 'NOT_FOUND', 'No such route.');
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new DemoError(405, 'METHOD_NOT_ALLOWED', 'Use GET.');
      return serveStatic(pathname, response);
    };
    handle().catch((error) => {
      if (!(error instanceof DemoError)) {
        process.stderr.write(`demo backend: ${error instanceof Error ? error.stack : String(error)}\n`);
        error = new DemoError(500, 'INTERNAL_ERROR', 'The demo backend failed; see its output.');
      }
      if (!response.headersSent) send(response, error.status, { error: { code: error.code, message: error.message } });
      else response.end();
    });
  });

  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolveListen);
  });
  const address = server.address();
  return {
    /** The page's URL; its origin is what the gateway must allow. */
    url: `http://${host}:${address.port}/`,
    /** Gives the backend the gateway it signs users in to. */
    connect({ gatewayUrl, projectId, secret, publicToken }) {
      const jwks = createRemoteJWKSet(new URL(`/v1/sessions/jwks/${encodeURIComponent(projectId)}`, gatewayUrl));
      gateway = { gatewayUrl, projectId, secret, publicToken, jwks };
    },
    close: () =>
      new Promise((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
