// What the gateway accepts as request bytes, for /graphql and every /v1 route alike:
//   - a JSON body is UTF-8 (RFC 8259 §8.1: "JSON text exchanged between systems that are not part of
//     a closed ecosystem MUST be encoded using UTF-8"): a declared charset other than UTF-8 answers
//     415, bytes that are not UTF-8 answer 400, and so does a string escaping a lone surrogate
//     (`"\ud800"`, no character: §8.2); a leading byte order mark is ignored, as §8.1 allows;
//   - a JSON object may not have a `__proto__`, `constructor` or `prototype` key at any depth
//     (prototype pollution, see src/common/json.ts);
//   - a URL's percent-encoding must decode to UTF-8 (RFC 3986 §2.5).
// Refusing is the point: decoding leniently would store U+FFFD in names and metadata, silently.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/error.catalogue';
import { hasLoneSurrogate, prototypeKeyPath } from '../common/json';

/** Text that may contain a prototype key: one spelled out, or any \u escape (which could spell one). */
const MAY_HOLD_PROTOTYPE_KEY = /__proto__|constructor|prototype|\\u/;
/** Text with a \u escape in the surrogate range (D800-DFFF), which may decode to a lone surrogate. */
const MAY_HOLD_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** Charset labels of UTF-8 (WHATWG Encoding §4.2 lists both; matched case-insensitively). */
const UTF8_LABELS = new Set(['utf-8', 'utf8']);
/** `fatal`: invalid bytes throw instead of becoming U+FFFD; a leading BOM is stripped (ignoreBOM: false). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The `charset` parameters of a Content-Type (RFC 9110 §8.3.1: names case-insensitive, values token or quoted-string). */
export function declaredCharsets(contentType: string): string[] {
  const charsets: string[] = [];
  for (const parameter of contentType.split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    let value = parameter.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    charsets.push(value.toLowerCase());
  }
  return charsets;
}

/** True when a JSON Content-Type declares no charset or only UTF-8. */
export function utf8Declared(contentType: string | undefined): boolean {
  // No parameter at all (the usual `application/json`): no charset declared.
  if (contentType === undefined || !contentType.includes(';')) return true;
  return declaredCharsets(contentType).every((charset) => UTF8_LABELS.has(charset));
}

/**
 * A JSON request body as a value, or a catalogue error: 415 UNSUPPORTED_MEDIA_TYPE for a charset
 * other than UTF-8, 400 BAD_REQUEST (`invalid_utf8`, `invalid_json`, `invalid_unicode`) for bytes that
 * are not UTF-8, not JSON, or escape a lone surrogate, 400 BAD_USER_INPUT (`forbidden_json_key`) for a prototype key anywhere in it.
 */
export function parseJsonBody(bytes: Buffer, contentType: string | undefined): unknown {
  if (!utf8Declared(contentType)) {
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', { message: 'JSON bodies must be UTF-8: send Content-Type: application/json without a charset, or with charset=utf-8.' });
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new GatewayError('BAD_REQUEST', { errorType: 'invalid_utf8', message: 'The body is not valid UTF-8; JSON bodies must be UTF-8 (RFC 8259).' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError('BAD_REQUEST', { errorType: 'invalid_json', message: 'The body is not valid JSON; send one JSON text (RFC 8259).' });
  }
  // Most bodies cannot hold such a key at all: skip the walk unless the text could spell one
  // (literally, or through a \u escape). A text without either has no \u escape at all, so no
  // surrogate escape either: one scan of the text settles both checks for nearly every body.
  if (!MAY_HOLD_PROTOTYPE_KEY.test(text)) return value;
  refusePrototypeKeys(value);
  // Valid UTF-8 bytes can still escape a lone surrogate ("\ud800"): no character, stored as U+FFFD.
  if (MAY_HOLD_SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    throw new GatewayError('BAD_REQUEST', { errorType: 'invalid_unicode', message: 'A JSON string escapes a lone surrogate (\\uD800-\\uDFFF), which is no Unicode character (RFC 8259 §8.2); send the character itself.' });
  }
  return value;
}

/** Throws BAD_USER_INPUT (`forbidden_json_key`) naming the first prototype key in `value`, if any. */
export function refusePrototypeKeys(value: unknown, prefix?: string): void {
  const path = prototypeKeyPath(value);
  if (path === undefined) return;
  const field = prefix ? `${prefix}.${path}` : path;
  throw new GatewayError('BAD_USER_INPUT', {
    errorType: 'forbidden_json_key',
    message: `${field}: keys named __proto__, constructor or prototype are not accepted.`,
    details: { field },
  });
}

/** Throws BAD_REQUEST (`invalid_utf8`) when the request target's percent-encoding is not UTF-8. */
export function checkUrlEncoding(request: FastifyRequest): void {
  const url = request.raw.url ?? '';
  if (!url.includes('%')) return;
  try {
    decodeURIComponent(url);
  } catch {
    throw new GatewayError('BAD_REQUEST', { errorType: 'invalid_utf8', message: 'The URL is not valid percent-encoded UTF-8 (RFC 3986 §2.5).' });
  }
}

/**
 * Throws UNSUPPORTED_MEDIA_TYPE for a body sent with a content coding other than `identity` (RFC 9110
 * §8.4.1, §15.5.16): the gateway decodes none, and reading coded bytes as JSON would judge bytes other
 * than the ones a proxy in front of it saw.
 */
function checkContentEncoding(contentEncoding: string | string[] | undefined): void {
  if (contentEncoding === undefined) return;
  const codings = [contentEncoding ?? []].flat().flatMap((value) => value.split(',')).map((coding) => coding.trim().toLowerCase()).filter(Boolean);
  if (codings.every((coding) => coding === 'identity')) return;
  throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', { errorType: 'unsupported_content_encoding', message: 'Send the body without a Content-Encoding (no gzip, br or deflate).' });
}

/** Replaces Fastify's JSON parser with parseJsonBody, for every route of `app`. */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      checkContentEncoding(request.headers['content-encoding']);
      done(null, parseJsonBody(body as Buffer, request.headers['content-type']));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
