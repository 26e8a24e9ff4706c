// The facade's OpenAPI 3.1 document at GET /v1/openapi.json, built by @fastify/swagger from the routes'
// own schemas (requests: rest.schemas.ts; summaries and responses: rest.operations.ts), so what is
// documented is what Fastify validates. Public, like the JWKS: it holds no project data.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { REST_SHARED_SCHEMAS } from './rest.responses';

/** Where the document is served, inside the /v1 scope. */
const DOCUMENT_PATH = '/openapi.json';
/** The facade's base path: the document's relative server, stripped from its paths. */
const REST_BASE_PATH = '/v1';

/** The package's name and version (package.json, found upwards from here: src/rest in a checkout, dist/src/rest when built). */
function packageInfo(): { name: string; version: string } {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
  }
  throw new TypeError('package.json not found above the REST facade');
}

/**
 * Registers, on the /v1 scope and before its routes: the shared response schemas, the OpenAPI
 * generator (it collects the routes registered after it) and GET /v1/openapi.json (left out of the
 * document itself). Answers are serialised with JSON.stringify, not from the response schemas: Fastify's
 * schema serialiser (fast-json-stringify) silently drops any field a schema does not declare and
 * coerces types, so a view and its documentation drifting apart would change the wire answer instead
 * of failing test/rest/openapi.test.ts, which checks every documented answer against its schema.
 */
export async function registerOpenApi(scope: FastifyInstance): Promise<void> {
  scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of REST_SHARED_SCHEMAS) scope.addSchema(schema);
  const { name, version } = packageInfo();
  await scope.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `${name} REST API`,
        version,
        description: "The Stytch-compatible REST facade (users, TOTPs, sessions): Stytch's paths, fields and error bodies; see https://stytch.com/docs/api.",
      },
      servers: [{ url: REST_BASE_PATH, description: 'Relative to the host serving this document.' }],
      components: { securitySchemes: { projectSecret: { type: 'http', scheme: 'basic', description: 'HTTP Basic: the project id as user name, the project secret as password.' } } },
      security: [{ projectSecret: [] }],
      tags: [{ name: 'Users' }, { name: 'TOTP' }, { name: 'Sessions' }, { name: 'Remembered devices' }],
    },
    // Stytch's JSON Schema 2020-12 `const` is valid OpenAPI 3.1; keep it.
    convertConstToEnum: false,
    // Shared schemas appear under their own $id (components/schemas/User), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  scope.get(DOCUMENT_PATH, { schema: { hide: true } }, async () => scope.swagger());
}
