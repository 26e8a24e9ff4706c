// Threat: hostile or malformed import input (importTotp arguments, POST /v1/totps/migrate bodies) crashes the gateway, answers 5xx, spends a lockout attempt or changes data: every refusal is a coded 4xx that writes nothing, every success writes only the import.
import fc from 'fast-check';
import { describeEachDialect, type Dialect } from '../support/gateway';
import { seedFastCheck } from '../support/fast-check';
import { json, malformedHarness, orValid, runs, short, text, valueFor } from '../support/malformed';
import { encodeBase32 } from '../../src/totp/otp.generator';

seedFastCheck();

/** Base32 secrets as people paste them, of lengths around the 128-bit minimum. */
const pastedSecret = fc
  .tuple(fc.uint8Array({ minLength: 10, maxLength: 40 }), fc.boolean(), fc.constantFrom('', ' ', '-', '\u00a0'), fc.integer({ min: 0, max: 6 }))
  .map(([bytes, lower, separator, padding]) => {
    const b32 = encodeBase32(bytes);
    return (lower ? b32.toLowerCase() : b32).replace(/(.{4})(?=.)/g, `$1${separator}`) + '='.repeat(padding);
  });

/** Percent-encoded where it can be (a lone surrogate cannot: then sent raw, which is fuzz too). */
const pct = (t: string) => {
  try {
    return encodeURIComponent(t);
  } catch {
    return t;
  }
};

/** otpauth URIs: mostly well-formed, with supported and unsupported parameters, sometimes hostile parts. */
const otpauthUri = fc
  .tuple(
    fc.constantFrom('otpauth://totp/', 'otpauth://TOTP/', 'otpauth://hotp/', 'otpauth:/totp/', 'https://totp/'),
    fc.oneof(fc.constant('Issuer:alice%40example.com'), text.map(pct)),
    pastedSecret.map(pct),
    fc.constantFrom('', '&algorithm=SHA256', '&algorithm=sha512', '&algorithm=MD5', '&digits=8', '&digits=7', '&period=60', '&period=0', '&period=-30', '&counter=1', '&image=x'),
    fc.oneof(fc.constant(''), text.map((t) => `&${pct(t)}=${pct(t)}`)),
  )
  .map(([prefix, label, secret, params, extra]) => `${prefix}${label}?secret=${secret}${params}${extra}`);

const recoveryCodes = fc.oneof(
  fc.array(fc.stringMatching(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/), { maxLength: 12 }),
  fc.array(text, { maxLength: 5 }),
  fc.array(fc.constant('abcd-efgh-jkmn'), { minLength: 30, maxLength: 40 }),
  json,
);

describeEachDialect('malformed import input on %s', (dialect: Dialect) => {
  const h = malformedHarness(dialect);

  /** Usually a user the fixture has (the verified victim, whose import must be refused, or the one without TOTP), sometimes anything. */
  const userId = () => fc.oneof(fc.constantFrom(h.victim.userId, h.pendingUserId), valueFor('string'));

  const fields = () => ({
    secret: orValid(pastedSecret, valueFor('string')),
    otpauthUri: fc.oneof(otpauthUri, valueFor('string')),
    label: orValid(fc.string({ minLength: 1, maxLength: 64 }), valueFor('string')),
    algorithm: fc.oneof(fc.constantFrom('SHA1', 'SHA256', 'SHA512'), valueFor('string')),
    digits: fc.oneof(fc.constantFrom(6, 8), valueFor('int')),
    period: fc.oneof(fc.constantFrom(30, 60), valueFor('int')),
    recoveryCodes,
    verified: fc.oneof(fc.boolean(), json),
  });

  it('importTotp: every argument, alone and together', async () => {
    const input = fc.record({ userId: userId(), ...fields() }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('importTotp', { input: i })), {
      ...runs(60),
      examples: [
        [{ userId: h.victim.userId, secret: h.victim.secret }],
        [{ userId: h.victim.userId, secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', label: '\u0000' }],
        [{ userId: h.pendingUserId, otpauthUri: 'otpauth://totp/x?secret=%00' }],
        [{ userId: h.pendingUserId, secret: 'a'.repeat(100_000) }],
        [{ userId: h.pendingUserId, secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', recoveryCodes: ['\ud800'] }],
      ],
    });
    await h.stillHealthy();
  });

  it('POST /v1/totps/migrate: every body field, of any JSON type', async () => {
    const snake = fc.record(
      {
        user_id: userId(),
        secret: fields().secret,
        otpauth_uri: fields().otpauthUri,
        label: fields().label,
        algorithm: fields().algorithm,
        digits: fields().digits,
        period: fields().period,
        recovery_codes: recoveryCodes,
        verified: fields().verified,
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof({ arbitrary: snake.map((b) => JSON.stringify(b)), weight: 9 }, { arbitrary: json.map((j) => JSON.stringify(j) ?? 'null'), weight: 1 });
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        const reply = await h.send(sent, { path: '/v1/totps/migrate' });
        const parsed = (reply.body ?? {}) as { error_type?: string; status_code?: number };
        if (reply.status !== 200 && !parsed.error_type) throw new Error(`an uncoded refusal\nsent ${short(sent)}\ngot ${reply.status} ${short(reply.text)}`);
        // In the harness's GraphQL terms: a 200 is a success (the baseline moves), anything else a refusal that must change nothing.
        await h.judge({ ...reply, body: reply.status === 200 ? { data: parsed } : { errors: [{ extensions: { code: parsed.error_type } }] } }, sent);
      }),
      runs(60),
    );
    await h.stillHealthy();
  });
});
