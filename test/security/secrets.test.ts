// Threat: a stolen database, backup or log file (or a retired encryption key) yields usable secrets: after a full flow at debug log level no TOTP secret, recovery code, session token or JWT, project secret or Authorization header is in the database bytes or the logs, and `keys rotate` moves every envelope off an old key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  CreateTotpDocument,
  RecoverTotpDocument,
  RegenerateTotpRecoveryCodesDocument,
  RevokeSessionDocument,
  TotpRecoveryCodesDocument,
  GatewayClient,
  GetUserDocument,
} from '../../client';
import { describeEachDialect, codes, startGateway, totpCode, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { runCli } from '../../src/cli';
import { createKeyring, keyId } from '../../src/crypto/keyring';
import { Envelope } from '../../src/crypto/envelope';
import { KeyRotationService, type KeyRotationCounts } from '../../src/keys/key-rotation.service';
import type { Database } from '../../src/db/database';
import { sessionIssuer } from '../../src/sessions/jwt-issuer';

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

describeEachDialect('secrets at rest and in logs on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  /** Every secret the flow saw, by label. */
  const secrets = new Map<string, string | Buffer>();
  const keep = (label: string, value: string | Buffer | null | undefined) => {
    if (value == null || value.length === 0) throw new Error(`the flow produced no ${label}`);
    secrets.set(label, value);
  };
  let userId: string;
  /** The gateway's clock, held still: the replay below is judged in the step its code was accepted in. */
  const clock = { t: 0, now() { return this.t; } };

  beforeAll(async () => {
    clock.t = Date.now();
    gw = await startGateway({ dialect, clock, env: { LOG_LEVEL: 'debug' } });

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
    const accepted = totpCode(createTotp.secret, 0, clock.now());
    const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, {
      input: { userId, totpCode: accepted, sessionDurationMinutes: 60, sessionCustomClaims: { role: 'auditor' } },
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
    const replayed = await gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: accepted } });
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

// ---------------------------------------------------------------------------------------------------
// Encryption key rotation: `totp-gateway keys rotate` re-encrypts envelopes; keyed hashes cannot move.
// ---------------------------------------------------------------------------------------------------

/** Every envelope in the database, as [table, row id, sealed] (same SQL on both dialects). */
async function envelopes(db: Database): Promise<Array<{ kind: string; id: string; aad: string; sealed: string }>> {
  const rows: Array<{ kind: string; id: string; aad: string; sealed: string }> = await db.dataSource.query(
    `SELECT 'totps' AS kind, id, id AS aad, secret_ciphertext AS sealed FROM totps
     UNION ALL SELECT 'signing_keys', id, id, private_key_ciphertext FROM signing_keys
     UNION ALL SELECT 'totp_recovery_codes', id, totp_id, code_ciphertext FROM totp_recovery_codes WHERE code_ciphertext IS NOT NULL
     UNION ALL SELECT 'webhook_endpoints', id, 'webhook-secret:' || id, secret_ciphertext FROM webhook_endpoints
     UNION ALL SELECT 'webhook_previous', id, 'webhook-secret:' || id, previous_secret_ciphertext FROM webhook_endpoints WHERE previous_secret_ciphertext IS NOT NULL`,
  );
  return rows;
}

/** How many envelopes of each kind name key id `id`. */
function countByKind(rows: Array<{ kind: string; sealed: string }>, id?: string): KeyRotationCounts {
  const n = (kind: string) => rows.filter((r) => r.kind === kind && (id === undefined || r.sealed.split('.')[1] === id)).length;
  return { totps: n('totps'), signingKeys: n('signing_keys'), recoveryCodes: n('totp_recovery_codes'), webhookSecrets: n('webhook_endpoints') + n('webhook_previous') };
}

/** A database that outlives the gateways opened on it. */
async function persistentDatabase(dialect: Dialect): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'postgres') return createDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-rotation-'));
  return { url: `sqlite:${join(dir, 'gateway.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the CLI in-process with `env` as the environment; returns stdout and stderr. */
async function cliWith(env: Record<string, string>, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const saved = process.env;
  const out: string[] = [];
  const err: string[] = [];
  process.env = { ...saved };
  delete process.env.GATEWAY_ENCRYPTION_KEYS_PREVIOUS;
  Object.assign(process.env, env);
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(chunk.toString()), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(chunk.toString()), true));
  try {
    await runCli(args);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.env = saved;
  }
  return { stdout: out.join(''), stderr: err.join('') };
}

const newKey = () => randomBytes(32).toString('base64');
const keyIdOf = (base64: string) => keyId(Buffer.from(base64, 'base64'));

describeEachDialect('encryption key rotation with `keys rotate` on %s', (dialect: Dialect) => {
  const K1 = newKey();
  const K2 = newKey();
  const common = { LOG_LEVEL: 'silent', RECOVERY_CODES_RETRIEVABLE: 'true' };
  let database: { url: string; drop: () => Promise<void> };
  let gw: TestGateway | undefined;
  /** The project made under K1 and its (K1-hashed) secret. */
  let oldProject: { projectId: string; secret: string };
  interface OldUser extends Enrollment {
    sessionId: string;
    sessionToken: string;
    sessionJwt: string;
  }
  let users: OldUser[];
  let before: Awaited<ReturnType<typeof envelopes>>;
  let rotated: KeyRotationCounts;
  let rotateOutput: { stdout: string; stderr: string };
  /** Every gateway's clock, held still: codes are computed from it, so none ages out while keys rotate. */
  const clock = { t: 0, now() { return this.t; } };
  /** The time step whose code is unused by every enrolled TOTP (enrollment verified an older one). */
  let step: number;

  const open = async (env: Record<string, string>) => {
    await gw?.close();
    gw = await startGateway({ dialect, clock, databaseUrl: database.url, env: { ...common, ...env } });
    return gw;
  };
  const oldClient = () => new GatewayClient({ url: gw!.url, projectId: oldProject.projectId, secret: oldProject.secret });

  beforeAll(async () => {
    clock.t = Date.now();
    database = await persistentDatabase(dialect);
    const first = await open({ GATEWAY_ENCRYPTION_KEY: K1 });
    oldProject = first.project;
    users = [];
    for (let i = 0; i < 3; i++) {
      const enrolled = await first.enroll({ verify: true });
      const { recoverTotp } = await first.client.data(RecoverTotpDocument, {
        input: { userId: enrolled.userId, recoveryCode: enrolled.recoveryCodes[0], sessionDurationMinutes: 60 },
      });
      users.push({ ...enrolled, sessionId: recoverTotp.session!.sessionId, sessionToken: recoverTotp.sessionToken!, sessionJwt: recoverTotp.sessionJwt! });
    }
    step = Math.floor(clock.now() / 30_000);
    // A webhook endpoint whose secret was rotated: both sealed secrets must move to the new key.
    const { endpoint } = await first.gateway.services.webhooks.create(first.project.projectId, { url: 'https://hooks.example.com/totp' });
    await first.gateway.services.webhooks.rotateSecret(first.project.projectId, endpoint.endpointId);
    before = await envelopes(first.gateway.db);
    await gw!.close();
    gw = undefined;

    rotateOutput = await cliWith(
      { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.url, GATEWAY_ENCRYPTION_KEY: K2, GATEWAY_ENCRYPTION_KEYS_PREVIOUS: K1 },
      ['keys', 'rotate', '--json'],
    );
    rotated = JSON.parse(rotateOutput.stdout);
  });
  afterAll(async () => {
    await gw?.close();
    await database?.drop();
  });

  it('before: every envelope names K1 (TOTP secrets, the signing key, retrievable recovery codes)', () => {
    expect(countByKind(before)).toEqual({ totps: 3, signingKeys: 1, recoveryCodes: 30, webhookSecrets: 2 });
    expect(countByKind(before, keyIdOf(K1))).toEqual(countByKind(before));
  });

  it('prints what it re-encrypted as JSON, and says on stderr that keyed hashes cannot be re-keyed', () => {
    expect(rotateOutput.stdout.trim().split('\n')).toHaveLength(1);
    expect(rotated).toEqual({ totps: 3, signingKeys: 1, recoveryCodes: 30, webhookSecrets: 2 });
    expect(rotateOutput.stderr).toMatch(/keyed hashes .*cannot be re-keyed.*GATEWAY_ENCRYPTION_KEYS_PREVIOUS/i);
  });

  it('after: every envelope names K2, holds the same plaintext, and a second run changes nothing', async () => {
    const g = await open({ GATEWAY_ENCRYPTION_KEY: K2, GATEWAY_ENCRYPTION_KEYS_PREVIOUS: K1 });
    const after = await envelopes(g.gateway.db);
    expect(countByKind(after, keyIdOf(K2))).toEqual(countByKind(before));
    const oldEnvelope = new Envelope(createKeyring(Buffer.from(K1, 'base64')));
    const newEnvelope = new Envelope(createKeyring(Buffer.from(K2, 'base64')));
    const plain = (rows: typeof after, envelope: Envelope) =>
      new Map(rows.map((r) => [`${r.kind}/${r.id}`, envelope.decrypt(r.sealed, r.aad).toString('base64')]));
    expect(plain(after, newEnvelope)).toEqual(plain(before, oldEnvelope));

    const again = await cliWith(
      { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.url, GATEWAY_ENCRYPTION_KEY: K2, GATEWAY_ENCRYPTION_KEYS_PREVIOUS: K1 },
      ['keys', 'rotate', '--json'],
    );
    expect(JSON.parse(again.stdout)).toEqual({ totps: 0, signingKeys: 0, recoveryCodes: 0, webhookSecrets: 0 });
    expect(await envelopes(g.gateway.db)).toEqual(after);
  });

  it('with K2 and K1 as previous: old TOTPs, recovery codes, session tokens, JWTs and the project secret all still work', async () => {
    const g = await open({ GATEWAY_ENCRYPTION_KEY: K2, GATEWAY_ENCRYPTION_KEYS_PREVIOUS: K1 });
    const client = oldClient();
    const [a, b] = users;
    // The old project secret (hashed under K1) opens the API; a TOTP secret re-encrypted under K2 verifies a code.
    const totp = await client.data(AuthenticateTotpDocument, { input: { userId: a.userId, totpCode: totpCode(a.secret, 0, step * 30_000) } });
    expect(totp.authenticateTotp.totpId).toBe(a.totpId);
    // A recovery code hashed under K1 is found and spent.
    const recovered = await client.data(RecoverTotpDocument, { input: { userId: b.userId, recoveryCode: b.recoveryCodes[1] } });
    expect(recovered.recoverTotp.totpId).toBe(b.totpId);
    // A session token hashed under K1 authenticates; the fresh JWT is signed by the re-encrypted signing key.
    const byToken = await client.data(AuthenticateSessionDocument, { input: { sessionToken: a.sessionToken } });
    expect(byToken.authenticateSession.session.sessionId).toBe(a.sessionId);
    const byJwt = await client.data(AuthenticateSessionDocument, { input: { sessionJwt: b.sessionJwt } });
    expect(byJwt.authenticateSession.session.sessionId).toBe(b.sessionId);
    // Retrievable recovery codes decrypt: the unused ones of the first set, in order.
    const [listed] = (await client.data(TotpRecoveryCodesDocument, { userId: a.userId })).totpRecoveryCodes;
    expect(listed.recoveryCodes).toEqual(a.recoveryCodes.slice(1));
    expect(g.logs()).not.toContain('unexpected error');
  });

  it('with only K2: envelopes still decrypt (TOTP codes verify, JWTs are signed), while keyed hashes need new secrets', async () => {
    const g = await open({ GATEWAY_ENCRYPTION_KEY: K2 });
    const [a, , c] = users;
    // The documented limit: the old project secret was hashed under K1, which is gone.
    const refused = await oldClient().request(GetUserDocument, { userId: a.userId });
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHORIZED_CREDENTIALS']);

    const fresh = await g.gateway.services.projects.createSecret(oldProject.projectId);
    const client = oldClient().with({ secret: fresh.secret });
    // The TOTP secret (now under K2) verifies the next code, and a session's JWT is signed with the
    // project's signing key, created under K1 and re-encrypted under K2.
    const { authenticateTotp } = await client.data(AuthenticateTotpDocument, {
      input: { userId: a.userId, totpCode: totpCode(a.secret, 1, step * 30_000), sessionDurationMinutes: 30 },
    });
    expect(authenticateTotp.sessionJwt).toEqual(expect.any(String));
    const jwks = (await (await fetch(`${g.url}/v1/sessions/jwks/${oldProject.projectId}`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(authenticateTotp.sessionJwt!, createLocalJWKSet(jwks), {
      issuer: sessionIssuer(g.config.publicUrl, oldProject.projectId),
      audience: oldProject.projectId,
    });
    expect(payload.sub).toBe(a.userId);
    expect(before.filter((r) => r.kind === 'signing_keys').map((r) => r.id)).toEqual([protectedHeader.kid]);
    // Retrievable recovery codes decrypt under K2 alone...
    const [listed] = (await client.data(TotpRecoveryCodesDocument, { userId: c.userId })).totpRecoveryCodes;
    expect(listed.recoveryCodes).toEqual(c.recoveryCodes.slice(1));
    // ...but their hashes, like session tokens', were keyed with K1: those need new ones.
    const oldCode = await client.request(RecoverTotpDocument, { input: { userId: c.userId, recoveryCode: c.recoveryCodes[1] } });
    expect(codes(oldCode)).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    const oldToken = await client.request(AuthenticateSessionDocument, { input: { sessionToken: c.sessionToken } });
    expect(codes(oldToken)).toEqual(['SESSION_NOT_FOUND']);
    const { regenerateTotpRecoveryCodes } = await client.data(RegenerateTotpRecoveryCodesDocument, { userId: c.userId });
    const recovered = await client.data(RecoverTotpDocument, {
      input: { userId: c.userId, recoveryCode: regenerateTotpRecoveryCodes.recoveryCodes[0], sessionDurationMinutes: 5 },
    });
    const byToken = await client.data(AuthenticateSessionDocument, { input: { sessionToken: recovered.recoverTotp.sessionToken! } });
    expect(byToken.authenticateSession.user.userId).toBe(c.userId);
    expect(g.logs()).not.toContain('unexpected error');
  });
});

describeEachDialect('KeyRotationService on %s', (dialect: Dialect) => {
  const K1 = newKey();
  const K2 = newKey();
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { GATEWAY_ENCRYPTION_KEY: K1, RECOVERY_CODES_RETRIEVABLE: 'true', LOG_LEVEL: 'silent' } });
    for (let i = 0; i < 3; i++) await gw.enroll();
  });
  afterAll(() => gw?.close());

  const keyring = (primary: string, ...previous: string[]) =>
    createKeyring(Buffer.from(primary, 'base64'), previous.map((k) => Buffer.from(k, 'base64')));

  it('refuses, naming the row and the fix, when a stale envelope names a key it does not hold', async () => {
    const stranger = new KeyRotationService(gw.gateway.db, new Envelope(keyring(newKey())));
    await expect(stranger.rotate()).rejects.toThrow(/cannot decrypt TOTP totp-.* key id .*GATEWAY_ENCRYPTION_KEYS_PREVIOUS/);
    expect(countByKind(await envelopes(gw.gateway.db), keyIdOf(K1))).toEqual({ totps: 3, signingKeys: 0, recoveryCodes: 30, webhookSecrets: 0 });
  });

  it('walks every row in batches (batch size 2: 30 recovery codes in 15+1 transactions) and is idempotent', async () => {
    const rows = await envelopes(gw.gateway.db);
    const service = new KeyRotationService(gw.gateway.db, new Envelope(keyring(K2, K1)), { batchSize: 2 });
    const transactions = jest.spyOn(gw.gateway.db, 'write');
    try {
      expect(await service.rotate()).toEqual({ totps: 3, signingKeys: 0, recoveryCodes: 30, webhookSecrets: 0 });
      // totps: 2 full batches + 1 partial; signing keys: 1 empty; recovery codes: 15 full + 1 empty; webhook endpoints: 1 empty.
      expect(transactions).toHaveBeenCalledTimes(2 + 1 + 16 + 1);
    } finally {
      transactions.mockRestore();
    }
    expect(await service.rotate()).toEqual({ totps: 0, signingKeys: 0, recoveryCodes: 0, webhookSecrets: 0 });
    const after = await envelopes(gw.gateway.db);
    expect(countByKind(after, keyIdOf(K2))).toEqual({ totps: 3, signingKeys: 0, recoveryCodes: 30, webhookSecrets: 0 });
    // Same plaintext, still bound to its row: the K2 envelope opens with K2 alone and the row's aad.
    const k2Only = new Envelope(keyring(K2));
    const k1Only = new Envelope(keyring(K1));
    const plaintexts = (list: typeof rows, envelope: Envelope) => list.map((r) => [r.kind, r.id, envelope.decrypt(r.sealed, r.aad).toString('hex')]).sort();
    expect(plaintexts(after, k2Only)).toEqual(plaintexts(rows, k1Only));
  });
});
