// Pure rules of the HTTP edge: UTF-8-only JSON bodies, prototype keys, null custom claims, schema names in messages, request ids on error bodies, REST type errors.
import { buildSchema } from 'graphql';
import { declaredCharsets, parseJsonBody, utf8Declared } from '../../src/http/request-bytes';
import { prototypeKeyPath } from '../../src/common/json';
import { mergeCustomClaims } from '../../src/sessions/session.claims';
import { ErrorDisclosure, HIDDEN_NAME, withoutSuggestions } from '../../src/graphql/error-disclosure';
import { withRequestIds } from '../../src/errors/error.wire';
import { invalidArgument } from '../../src/rest/rest.schemas';
import { ERROR_CATALOGUE, GatewayError } from '../../src/errors/error.catalogue';

/** The catalogue code and errorType a call throws. */
function refusal(call: () => unknown): { code: string; errorType: string } {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    const { code, errorType } = error as GatewayError;
    return { code, errorType };
  }
  throw new Error('expected a refusal');
}

describe('JSON body bytes (RFC 8259 §8.1)', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"', 'application/json; Charset=utf8', 'application/json; foo=bar'])(
    'accepts %s',
    (type) => expect(utf8Declared(type)).toBe(true),
  );

  it.each(['application/json; charset=iso-8859-1', 'application/json; charset=latin1', 'application/json; charset="ISO-8859-1"', 'application/json; charset=utf-16', 'application/json; charset=', 'application/json; charset=utf-8; charset=us-ascii'])(
    'refuses %s with 415',
    (type) => {
      expect(utf8Declared(type)).toBe(false);
      expect(refusal(() => parseJsonBody(Buffer.from('{}'), type))).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', errorType: 'unsupported_media_type' });
    },
  );

  it('reads quoted and escaped charset values', () => {
    expect(declaredCharsets('application/json; charset="u\\tf-8"; q=1')).toEqual(['utf-8']);
  });

  it.each([
    ['a lone 0xFF', [0xff]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['a UTF-16 surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a Latin-1 é', [0xe9]],
  ])('refuses %s inside a string with 400 invalid_utf8', (_name, bytes) => {
    const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from('"}')]);
    expect(refusal(() => parseJsonBody(body, 'application/json'))).toEqual({ code: 'BAD_REQUEST', errorType: 'invalid_utf8' });
  });

  it('ignores a leading byte order mark (RFC 8259 §8.1 allows it) and keeps UTF-8 text exact', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Zoë 👩‍💻"}')]);
    expect(parseJsonBody(body, 'application/json')).toEqual({ name: 'Zoë 👩‍💻' });
  });

  it('refuses a string or key escaping a lone surrogate with 400 invalid_unicode, accepts escaped pairs', () => {
    for (const text of ['{"a":"\\ud800"}', '{"a":["x\\udfff"]}', '{"\\udc00":1}', '{"a":"\\ude00\\ud83d"}']) {
      expect(refusal(() => parseJsonBody(Buffer.from(text), undefined))).toEqual({ code: 'BAD_REQUEST', errorType: 'invalid_unicode' });
    }
    expect(parseJsonBody(Buffer.from('{"a":"\\ud83d\\ude00","b":"\\\\ud800"}'), undefined)).toEqual({ a: '😀', b: '\\ud800' });
  });

  it('refuses an empty or malformed body with 400 invalid_json', () => {
    expect(refusal(() => parseJsonBody(Buffer.alloc(0), undefined))).toEqual({ code: 'BAD_REQUEST', errorType: 'invalid_json' });
    expect(refusal(() => parseJsonBody(Buffer.from('{"a":'), undefined))).toEqual({ code: 'BAD_REQUEST', errorType: 'invalid_json' });
  });

  it('refuses prototype keys anywhere in the body with BAD_USER_INPUT', () => {
    for (const text of ['{"__proto__":{"admin":true}}', '{"a":[{"b":{"constructor":1}}]}', '[{"prototype":null}]', '{"a":{"\\u005f_proto__":1}}']) {
      expect(refusal(() => parseJsonBody(Buffer.from(text), undefined))).toEqual({ code: 'BAD_USER_INPUT', errorType: 'forbidden_json_key' });
    }
  });
});

describe('prototypeKeyPath', () => {
  it('names the first prototype key with its path, at any depth and through arrays', () => {
    expect(prototypeKeyPath(JSON.parse('{"a":{"b":[1,{"__proto__":{}}]}}'))).toBe('a.b.1.__proto__');
    const literal = Object.create(null) as Record<string, unknown>;
    literal.__proto__ = { admin: true };
    expect(prototypeKeyPath({ claims: literal })).toBe('claims.__proto__');
    expect(prototypeKeyPath({ Constructor: 1, proto: 2, __proto: 3, text: '__proto__' })).toBeUndefined();
  });

  it('walks 200,000 levels without overflowing the stack', () => {
    const depth = 200_000;
    const deep = JSON.parse('{"a":'.repeat(depth) + '{"constructor":1}' + '}'.repeat(depth)) as unknown;
    expect(prototypeKeyPath(deep)?.endsWith('a.a.constructor')).toBe(true);
    expect(prototypeKeyPath(JSON.parse('['.repeat(depth) + ']'.repeat(depth)))).toBeUndefined();
  });
});

describe('mergeCustomClaims (Stytch: a null value deletes the key)', () => {
  it('deletes top-level keys given null, sets the others, changes neither input', () => {
    const existing = { role: 'admin', team: 'a', keep: 1 };
    const update = { role: null, team: 'b', added: { nested: null } };
    expect(mergeCustomClaims(existing, update)).toEqual({ team: 'b', keep: 1, added: { nested: null } });
    expect(existing).toEqual({ role: 'admin', team: 'a', keep: 1 });
    expect(update).toEqual({ role: null, team: 'b', added: { nested: null } });
  });

  it('leaves a null key out of a new session, and a null for a missing key is no error', () => {
    expect(mergeCustomClaims({}, { role: null, plan: 'pro' })).toEqual({ plan: 'pro' });
    expect(Object.keys(mergeCustomClaims({}, { role: null }))).toEqual([]);
  });
});

describe('error disclosure', () => {
  const schema = buildSchema(`
    enum Role { SECRET SESSION }
    input CreateThingInput { ownerId: ID! role: Role }
    type Thing { thingId: ID! }
    type Query { thing(thingId: ID!): Thing }
    type Mutation { createThing(input: CreateThingInput!): Thing }
  `);

  it.each([
    ['Value "SECRT" does not exist in "Role" enum. Did you mean the enum value "SECRET"?', 'Value "SECRT" does not exist in "Role" enum.'],
    ['Cannot query field "thingI" on type "Thing". Did you mean "thingId"?', 'Cannot query field "thingI" on type "Thing".'],
    ['Unknown type "Thng". Did you mean "Thing", "Role", or "Query"?', 'Unknown type "Thng".'],
    ['Cannot query field "x" on type "U". Did you mean to use an inline fragment on "A" or "B"?', 'Cannot query field "x" on type "U".'],
  ])('removes every kind of suggestion: %s', (message, expected) => {
    expect(withoutSuggestions(message)).toBe(expected);
  });

  it('with introspection off, hides schema names the caller did not send and keeps those it did', () => {
    const disclosure = new ErrorDisclosure(schema, false);
    const sent = 'mutation { createThing(input: { role: SECRT }) { thingId } }';
    expect(disclosure.message('Value "SECRT" does not exist in "Role" enum. Did you mean the enum value "SECRET"?', sent)).toBe(`Value "SECRT" does not exist in "${HIDDEN_NAME}" enum.`);
    expect(disclosure.message('Field "CreateThingInput.ownerId" of required type "ID!" was not provided.', sent)).toBe(`Field "${HIDDEN_NAME}.${HIDDEN_NAME}" of required type "ID!" was not provided.`);
    expect(disclosure.message('Unknown argument "inpt" on field "Mutation.createThing".', 'mutation { createThing(inpt: {}) { thingId } }')).toBe('Unknown argument "inpt" on field "Mutation.createThing".');
  });

  it('hides unsent type names outside quotes too, and keeps what a variable coercion message quotes back', () => {
    const disclosure = new ErrorDisclosure(schema, false);
    expect(disclosure.message('Role cannot represent value: 1', '{ thing(thingId: 1) { thingId } }')).toBe(`${HIDDEN_NAME} cannot represent value: 1`);
    const coercion = 'Variable "$i" got invalid value "soon" at "i.ownerId"; ID cannot represent value: "soon"';
    expect(disclosure.message(coercion, 'mutation ($i: CreateThingInput!) { createThing(input: $i) { thingId } }')).toBe(coercion);
  });

  it('with introspection on, only suggestions go', () => {
    const disclosure = new ErrorDisclosure(schema, true);
    expect(disclosure.message('Value "SECRT" does not exist in "Role" enum. Did you mean the enum value "SECRET"?', '')).toBe('Value "SECRT" does not exist in "Role" enum.');
  });
});

describe('withRequestIds', () => {
  it('adds the id to errors without one, in single and batched bodies, keeping the trailing newline', () => {
    const single = withRequestIds('{"errors":[{"message":"m","extensions":{"code":"BAD_REQUEST"}},{"message":"n"}]}\n', 'r-1');
    expect(single.endsWith('\n')).toBe(true);
    expect(JSON.parse(single)).toEqual({ errors: [{ message: 'm', extensions: { code: 'BAD_REQUEST', requestId: 'r-1' } }, { message: 'n', extensions: { requestId: 'r-1' } }] });
    expect(JSON.parse(withRequestIds('[{"data":null,"errors":[{"message":"m"}]}]', 'r-2'))).toEqual([{ data: null, errors: [{ message: 'm', extensions: { requestId: 'r-2' } }] }]);
  });

  it('leaves a body untouched when every error has an id, or when it is not JSON', () => {
    const body = '{"errors":[{"message":"m","extensions":{"requestId":"x"}}]}\n';
    expect(withRequestIds(body, 'other')).toBe(body);
    expect(withRequestIds('<html>', 'r')).toBe('<html>');
  });
});

describe('REST type errors', () => {
  it('name the field and the type it takes, as BAD_USER_INPUT invalid_argument', () => {
    const error = invalidArgument([{ keyword: 'type', instancePath: '/name/first_name', schemaPath: '', params: { type: ['string', 'null'] }, message: 'must be string,null' }], 'body');
    expect({ code: error.code, errorType: error.errorType, message: error.message, status: error.status }).toEqual({
      code: 'BAD_USER_INPUT',
      errorType: 'invalid_argument',
      message: 'name.first_name must be a string or null.',
      status: 400,
    });
  });

  it('every code the edge answers with is in the catalogue', () => {
    for (const code of ['BAD_REQUEST', 'ROUTE_NOT_FOUND', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND']) {
      expect(ERROR_CATALOGUE).toHaveProperty(code);
    }
  });
});
