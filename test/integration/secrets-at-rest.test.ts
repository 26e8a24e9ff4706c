// Secrets never rest in plaintext: after a full flow at debug log level, no TOTP secret, recovery code, session token or JWT, project secret or Authorization header is in the database bytes or the logs.
import {
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  CreateTotpDocument,
  RecoverTotpDocument,
  RegenerateTotpRecoveryCodesDocument,
  RevokeSessionDocument,
  TotpRecoveryCodesDocument,
} from '../../client';
import { codes, dialects, startGateway, totpCode, type Dialect, type TestGateway } from '../support/gateway';

/** RFC 4648 base32 (no padding), to recover the raw secret bytes from what createTotp returned. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

describe.each(dialects)('secrets at rest and in logs on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  /** Every secret the flow saw, by label. */
  const secrets = new Map<string, string | Buffer>();
  const keep = (label: string, value: string | Buffer | null | undefined) => {
    if (value == null || value.length === 0) throw new Error(`the flow produced no ${label}`);
    secrets.set(label, value);
  };
  let userId: string;

  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOG_LEVEL: 'debug' } });

    // A second project secret, used for part of the flow, as a rotating backend would.
    const second = await gw.gateway.services.projects.createSecret(gw.project.projectId);
    const rotated = gw.client.with({ secret: second.secret });
    keep('project secret (first)', gw.project.secret);
    keep('project secret (second)', second.secret);
    keep('Authorization header (first secret)', gw.client.authorization);
    keep('Authorization header (second secret)', rotated.authorization);

    userId = await gw.createUser();
    const { createTotp } = await rotated.data(CreateTotpDocument, { input: { userId } });
    const raw = base32Decode(createTotp.secret);
    expect(raw).toHaveLength(20);
    keep('TOTP secret (base32)', createTotp.secret);
    keep('TOTP secret (raw bytes)', raw);
    keep('TOTP secret (hex)', raw.toString('hex'));
    keep('TOTP secret (HEX)', raw.toString('hex').toUpperCase());
    keep('TOTP secret (base64)', raw.toString('base64'));
    keep('TOTP secret (base64url)', raw.toString('base64url'));
    keep('otpauth URI', createTotp.otpauthUri);
    createTotp.recoveryCodes.forEach((code, i) => {
      keep(`recovery code ${i} (first set)`, code);
      keep(`recovery code ${i} (first set, no dashes)`, code.replace(/-/g, ''));
    });

    // Authenticate with a session (this verifies the TOTP), then add a recovery factor to it.
    const step = Math.floor(Date.now() / 30_000);
    const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, {
      input: { userId, totpCode: totpCode(createTotp.secret, 0, step * 30_000), sessionDurationMinutes: 60, sessionCustomClaims: { role: 'auditor' } },
    });
    keep('session token (totp)', authenticateTotp.sessionToken);
    keep('session JWT (totp)', authenticateTotp.sessionJwt);
    const { recoverTotp: added } = await rotated.data(RecoverTotpDocument, {
      input: { userId, recoveryCode: createTotp.recoveryCodes[0], sessionToken: authenticateTotp.sessionToken },
    });
    keep('session JWT (recovery added)', added.sessionJwt);
    const { recoverTotp: fresh } = await gw.client.data(RecoverTotpDocument, {
      input: { userId, recoveryCode: createTotp.recoveryCodes[1], sessionDurationMinutes: 30 },
    });
    keep('session token (recovery)', fresh.sessionToken);
    keep('session JWT (recovery)', fresh.sessionJwt);

    // Session checks by token and by JWT mint more JWTs.
    const byToken = await gw.client.data(AuthenticateSessionDocument, { input: { sessionToken: fresh.sessionToken } });
    keep('session JWT (authenticateSession by token)', byToken.authenticateSession.sessionJwt);
    const byJwt = await rotated.data(AuthenticateSessionDocument, { input: { sessionJwt: authenticateTotp.sessionJwt, sessionDurationMinutes: 90 } });
    keep('session JWT (authenticateSession by JWT)', byJwt.authenticateSession.sessionJwt);

    // A new set of recovery codes voids the old one; both sets must stay out of storage and logs.
    const { regenerateTotpRecoveryCodes } = await gw.client.data(RegenerateTotpRecoveryCodesDocument, { userId });
    regenerateTotpRecoveryCodes.recoveryCodes.forEach((code, i) => {
      keep(`recovery code ${i} (second set)`, code);
      keep(`recovery code ${i} (second set, no dashes)`, code.replace(/-/g, ''));
    });
    const { recoverTotp: third } = await rotated.data(RecoverTotpDocument, {
      input: { userId, recoveryCode: regenerateTotpRecoveryCodes.recoveryCodes[0], sessionDurationMinutes: 5 },
    });
    keep('session token (second set)', third.sessionToken);
    keep('session JWT (second set)', third.sessionJwt);

    // Refused requests carry secrets too: a voided recovery code, a replayed TOTP code.
    const voided = await gw.client.request(RecoverTotpDocument, { input: { userId, recoveryCode: createTotp.recoveryCodes[2] } });
    expect(codes(voided)).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    const replayed = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(createTotp.secret, 0, step * 30_000) } });
    expect(codes(replayed)).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);

    await gw.client.data(RevokeSessionDocument, { input: { sessionToken: third.sessionToken } });
    const [listed] = (await gw.client.data(TotpRecoveryCodesDocument, { userId })).totpRecoveryCodes;
    expect(listed.recoveryCodes).toEqual([]);
    expect(listed.remaining).toBe(9);
  });
  afterAll(() => gw?.close());

  /** Labels of the secrets found in `haystack`. */
  const found = (haystack: Buffer) => [...secrets].filter(([, value]) => haystack.includes(value)).map(([label]) => label);

  it('the database holds none of them (encrypted or keyed-hashed only)', async () => {
    const bytes = await gw.databaseBytes();
    // The dump is real: it holds the rows the flow wrote.
    expect(bytes.includes(userId)).toBe(true);
    expect(bytes.includes(gw.project.projectId)).toBe(true);
    expect(found(bytes)).toEqual([]);
  });

  it('the logs, at debug level, hold none of them', () => {
    const logs = gw.logs();
    // The capture is real: requests were logged.
    expect(logs).toContain('"msg":"incoming request"');
    expect(logs.split('\n').filter(Boolean).length).toBeGreaterThan(20);
    expect(found(Buffer.from(logs))).toEqual([]);
  });
});
