// Threat: silent corruption from request bytes: a JSON body declared in another charset, or not valid UTF-8, or a URL whose percent-encoding is not UTF-8, must be refused (415 / 400, coded) on /graphql and every /v1 route, and write nothing.
import { describeEachDialect, startGateway, type Dialect, type TestGateway } from '../support/gateway';

interface Answer {
  status: number;
  requestId: string | null;
  body: Record<string, unknown> & { errors?: Array<{ extensions: Record<string, unknown> }> };
}

const CREATE_USER = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { userId user { name { firstName } } } }';
/** Headers that send a request to Apollo's own pipeline rather than the fast path. */
const APOLLO_PATH = { accept: 'application/graphql-response+json' };
const POST_ROUTES = ['/v1/users', '/v1/totps', '/v1/totps/authenticate', '/v1/totps/recovery_codes', '/v1/totps/recover', '/v1/sessions/authenticate', '/v1/sessions/revoke'];

/** Bytes of a JSON text with `raw` spliced in where `@@` stands (so invalid UTF-8 can be sent). */
const bytes = (template: string, raw: number[]) => {
  const [before, after] = template.split('@@');
  return Buffer.concat([Buffer.from(before), Buffer.from(raw), Buffer.from(after)]);
};

describeEachDialect('request bytes on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  async function send(path: string, body: Buffer | string | undefined, headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
    const response = await fetch(`${gw.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization!, ...headers },
      body,
    });
    return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
  }

  async function userCount(): Promise<number> {
    const [row] = (await gw.gateway.db.dataSource.query('SELECT COUNT(*) AS n FROM users')) as Array<{ n: number | string }>;
    return Number(row.n);
  }

  /** The GraphQL error code and errorType, and that the error carries the request id. */
  function graphqlRefusal(answer: Answer) {
    const [error] = answer.body.errors ?? [];
    expect(error?.extensions.requestId).toBe(answer.requestId);
    return { status: answer.status, code: error?.extensions.code, errorType: error?.extensions.errorType };
  }

  const createUserBody = (firstNameJson: string) => `{"query":${JSON.stringify(CREATE_USER)},"variables":{"input":{"email":"bytes-${Math.random().toString(36).slice(2)}@example.com","name":{"firstName":${firstNameJson}}}}}`;

  describe.each([
    ['the fast path', {}],
    ["Apollo's path", APOLLO_PATH],
  ])('/graphql through %s', (_path, extra: Record<string, string>) => {
    it.each(['iso-8859-1', 'ISO-8859-1', '"latin1"', 'windows-1252', 'utf-16', 'us-ascii', ''])('refuses charset=%s with 415 and writes nothing', async (charset) => {
      const before = await userCount();
      const answer = await send('/graphql', createUserBody('"Zoë"'), { ...extra, 'content-type': `application/json; charset=${charset}` });
      expect(graphqlRefusal(answer)).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', errorType: 'unsupported_media_type' });
      expect(await userCount()).toBe(before);
    });

    it.each([
      ['Latin-1 é', [0xe9]],
      ['a lone continuation byte', [0x80]],
      ['an overlong encoding', [0xc1, 0xbf]],
      ['an encoded surrogate', [0xed, 0xb0, 0x80]],
      ['0xFF', [0xff]],
    ])('refuses invalid UTF-8 (%s) with 400 invalid_utf8 and writes nothing', async (_name, raw) => {
      const before = await userCount();
      const answer = await send('/graphql', bytes(createUserBody('"Zo@@"'), raw), extra);
      expect(graphqlRefusal(answer)).toEqual({ status: 400, code: 'BAD_REQUEST', errorType: 'invalid_utf8' });
      expect(await userCount()).toBe(before);
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8'])('stores UTF-8 exactly with %s', async (contentType) => {
      const answer = await send('/graphql', createUserBody('"Zoë 👩‍💻"'), { ...extra, 'content-type': contentType });
      expect(answer.status).toBe(200);
      expect((answer.body.data as { createUser: { user: { name: { firstName: string } } } }).createUser.user.name.firstName).toBe('Zoë 👩‍💻');
    });
  });

  it('refuses a JSON escape of a lone surrogate (no character, stored as U+FFFD) on GraphQL and REST, and writes nothing', async () => {
    const before = await userCount();
    for (const headers of [{}, APOLLO_PATH]) {
      expect(graphqlRefusal(await send('/graphql', createUserBody('"Zo\\ud83d"'), headers))).toEqual({ status: 400, code: 'BAD_REQUEST', errorType: 'invalid_unicode' });
    }
    const rest = await send('/v1/users', '{"email":"lone@example.com","trusted_metadata":{"k":"\\udc00"}}');
    expect({ status: rest.status, type: rest.body.error_type }).toEqual({ status: 400, type: 'invalid_unicode' });
    expect(await userCount()).toBe(before);
    const paired = await send('/graphql', createUserBody('"Zo\\ud83d\\ude00"'));
    expect((paired.body.data as { createUser: { user: { name: { firstName: string } } } }).createUser.user.name.firstName).toBe('Zo😀');
  });

  it('ignores a leading UTF-8 byte order mark (RFC 8259 §8.1)', async () => {
    const answer = await send('/graphql', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(createUserBody('"Bom"'))]));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });

  it('refuses a GET whose query string is not percent-encoded UTF-8', async () => {
    const answer = await send('/graphql?query=%7B__typename%7D&variables=%7B%22a%22%3A%22%FF%22%7D', undefined, { 'apollo-require-preflight': 'true' }, 'GET');
    expect(graphqlRefusal(answer)).toEqual({ status: 400, code: 'BAD_REQUEST', errorType: 'invalid_utf8' });
  });

  describe('/v1', () => {
    it('POST /v1/users: another charset answers 415, invalid UTF-8 answers 400, in Stytch form, and nothing is written', async () => {
      const before = await userCount();
      const latin1 = await send('/v1/users', Buffer.from('{"email":"latin@example.com","name":{"first_name":"Zo\u00eb"}}', 'latin1'), { 'content-type': 'application/json; charset=iso-8859-1' });
      expect({ status: latin1.status, type: latin1.body.error_type, id: latin1.body.request_id }).toEqual({ status: 415, type: 'unsupported_media_type', id: latin1.requestId });
      const invalid = await send('/v1/users', bytes('{"email":"bytes@example.com","name":{"first_name":"Zo@@"}}', [0xe9]));
      expect({ status: invalid.status, type: invalid.body.error_type, id: invalid.body.request_id }).toEqual({ status: 400, type: 'invalid_utf8', id: invalid.requestId });
      expect(await userCount()).toBe(before);
    });

    it.each(POST_ROUTES)('POST %s refuses invalid UTF-8 and a foreign charset before anything runs', async (route) => {
      const before = await userCount();
      const invalid = await send(route, bytes('{"user_id":"user-@@","email":"x@example.com"}', [0xff, 0xfe]));
      expect({ status: invalid.status, type: invalid.body.error_type }).toEqual({ status: 400, type: 'invalid_utf8' });
      const foreign = await send(route, '{"email":"x@example.com"}', { 'content-type': 'application/json; charset=utf-16le' });
      expect({ status: foreign.status, type: foreign.body.error_type }).toEqual({ status: 415, type: 'unsupported_media_type' });
      expect(await userCount()).toBe(before);
    });

    it('GET /v1/sessions refuses a user_id that is not percent-encoded UTF-8', async () => {
      const answer = await send('/v1/sessions?user_id=%C0%AF', undefined, {}, 'GET');
      expect({ status: answer.status, type: answer.body.error_type, id: answer.body.request_id }).toEqual({ status: 400, type: 'invalid_utf8', id: answer.requestId });
    });
  });
});
