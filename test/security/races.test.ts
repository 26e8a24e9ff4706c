// Concurrent writes on one user's TOTP, recovery codes and sessions (a double click, parallel backends): each rule holds, a write whose parent is gone answers not-found, and of concurrent deletions exactly one succeeds.
import { randomBytes } from 'node:crypto';
import {
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  CreateSessionDocument,
  CreateTotpDocument,
  DeleteTotpDocument,
  DeleteUserDocument,
  GetUserDocument,
  RecoverTotpDocument,
  RegenerateTotpRecoveryCodesDocument,
  RevokeSessionDocument,
  TotpRecoveryCodesDocument,
  type CreateTotpMutation,
  type GatewayClient,
} from '../../client';
import { describePostgres, describeEachDialect, codes, startGateway, totpCode, type TestGateway } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { newId } from '../../src/common/ids';
import { isForeignKeyViolation, isUniqueViolation } from '../../src/errors/database.faults';
import { sql } from '../../src/db/sql';
import { missingParentError } from '../../src/errors/error.wire';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';

const CONCURRENT = 10;
const ROUNDS = 4;
/** Failed recovery attempts below count toward lockout; the test gateway allows this many. */
const LOCKOUT_MAX_ATTEMPTS = 100;

/** 'OK' for a response without errors, else its first error code. */
const outcome = (response: { errors?: Array<{ extensions?: { code?: string } }> }) => codes(response)[0] ?? 'OK';

/** Asserts every outcome is one of `allowed` (never INTERNAL_SERVER_ERROR) and returns them. */
function expectOnly(outcomes: string[], allowed: string[]): string[] {
  for (const o of outcomes) expect(allowed).toContain(o);
  return outcomes;
}

/** The codes of the sets that `recoverTotp` accepts, trying the first code of each; the rest are refused. */
async function workingSets(client: GatewayClient, userId: string, sets: string[][]): Promise<number[]> {
  const results = await Promise.all(sets.map((set) => client.request(RecoverTotpDocument, { input: { userId, recoveryCode: set[0] } })));
  return expectOnly(results.map(outcome), ['OK', 'UNABLE_TO_AUTHENTICATE_RECOVERY_CODE'])
    .map((o, i) => (o === 'OK' ? i : -1))
    .filter((i) => i >= 0);
}

/**
 * After regenerations (given as returned, in any order, by any processes) exactly one set is stored:
 * 10 unused codes, every superseded code refused (sampled from each set, to stay under the lockout).
 */
async function expectOneValidSet(client: GatewayClient, userId: string, sets: string[][], superseded: string[] = []): Promise<void> {
  const { totpRecoveryCodes } = await client.data(TotpRecoveryCodesDocument, { userId });
  expect(totpRecoveryCodes.map((t) => t.remaining)).toEqual([10]);
  const winners = await workingSets(client, userId, sets);
  expect(winners).toHaveLength(1);
  const losers = sets.filter((_, i) => i !== winners[0]).flatMap((set) => set.slice(1, 4));
  const refused = await Promise.all([...losers, ...superseded].map((code) => client.request(RecoverTotpDocument, { input: { userId, recoveryCode: code } })));
  expect(refused.map(outcome)).toEqual(refused.map(() => 'UNABLE_TO_AUTHENTICATE_RECOVERY_CODE'));
  // The winning set still works (and its success clears the failures counted above).
  await client.data(RecoverTotpDocument, { input: { userId, recoveryCode: sets[winners[0]][1] } });
  const after = await client.data(TotpRecoveryCodesDocument, { userId });
  expect(after.totpRecoveryCodes.map((t) => t.remaining)).toEqual([8]);
}

describeEachDialect('concurrent writes on %s', (dialect) => {
  let gw: TestGateway;
  let client: GatewayClient;
  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: String(LOCKOUT_MAX_ATTEMPTS) } });
    client = gw.client;
  });
  afterAll(() => gw.close());

  const regenerate = (userId: string) => client.request(RegenerateTotpRecoveryCodesDocument, { userId });

  it(`leaves exactly one valid recovery-code set after ${CONCURRENT} concurrent regenerations`, async () => {
    for (const verify of [true, false]) {
      const { userId, recoveryCodes } = await gw.enroll({ verify });
      const responses = await Promise.all(Array.from({ length: CONCURRENT }, () => regenerate(userId)));
      expect(responses.map(outcome)).toEqual(Array(CONCURRENT).fill('OK'));
      const sets = responses.map((r) => r.data!.regenerateTotpRecoveryCodes.recoveryCodes);
      if (verify) {
        await expectOneValidSet(client, userId, sets, recoveryCodes.slice(0, 3));
      } else {
        // recoverTotp needs a verified TOTP; the stored set is still exactly one.
        const { totpRecoveryCodes } = await client.data(TotpRecoveryCodesDocument, { userId });
        expect(totpRecoveryCodes.map((t) => t.remaining)).toEqual([10]);
      }
    }
  });

  it('answers success or USER_NOT_FOUND to createSession, regenerate and createTotp racing deleteUser', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const verified = await gw.enroll({ verify: true });
      const pending = await gw.enroll();
      const bare = await gw.createUser();
      const results = await Promise.all([
        ...Array.from({ length: 3 }, () => client.request(CreateSessionDocument, { input: { userId: verified.userId, sessionDurationMinutes: 60 } })),
        ...Array.from({ length: 3 }, () => regenerate(verified.userId)),
        ...Array.from({ length: 3 }, () => regenerate(pending.userId)),
        ...Array.from({ length: 3 }, () => client.request(CreateTotpDocument, { input: { userId: pending.userId } })),
        ...Array.from({ length: 3 }, () => client.request(CreateTotpDocument, { input: { userId: bare } })),
        ...Array.from({ length: 3 }, () => client.request(CreateSessionDocument, { input: { userId: bare, sessionDurationMinutes: 60 } })),
        ...[verified.userId, pending.userId, bare].map((userId) => client.request(DeleteUserDocument, { userId })),
      ]);
      const deletions = results.slice(-3).map(outcome);
      expect(deletions).toEqual(['OK', 'OK', 'OK']);
      expectOnly(results.slice(0, -3).map(outcome), ['OK', 'USER_NOT_FOUND']);
      for (const userId of [verified.userId, pending.userId, bare]) {
        expect(codes(await client.request(GetUserDocument, { userId }))).toEqual(['USER_NOT_FOUND']);
      }
    }
  });

  it('answers success, TOTP_NOT_FOUND or a refusal to writes and guesses racing deleteTotp', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { userId, totpId, secret, recoveryCodes } = await gw.enroll({ verify: true });
      const results = await Promise.all([
        ...Array.from({ length: 3 }, () => regenerate(userId)),
        client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret) } }),
        client.request(RecoverTotpDocument, { input: { userId, recoveryCode: recoveryCodes[0] } }),
        client.request(DeleteTotpDocument, { totpId }),
        client.request(CreateTotpDocument, { input: { userId } }),
      ]);
      const [deletion, creation] = results.slice(-2).map(outcome);
      expect(deletion).toBe('OK');
      expectOnly([creation], ['OK', 'ACTIVE_TOTP_EXISTS']);
      expectOnly(results.slice(0, 3).map(outcome), ['OK', 'TOTP_NOT_FOUND']);
      // A guess judged before the deletion may still succeed; a stale recovery code is refused.
      expectOnly([outcome(results[3])], ['OK', 'TOTP_NOT_FOUND', 'TOTP_CODE_ALREADY_AUTHENTICATED']);
      expectOnly([outcome(results[4])], ['OK', 'TOTP_NOT_FOUND', 'UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
      const { user } = await client.data(GetUserDocument, { userId });
      expect(user.totps.filter((t) => t.totpId === totpId)).toEqual([]);
      // No orphan codes: the codes query covers only the TOTPs that remain.
      const { totpRecoveryCodes } = await client.data(TotpRecoveryCodesDocument, { userId });
      expect(totpRecoveryCodes.map((t) => t.totpId)).toEqual(user.totps.map((t) => t.totpId));
      for (const set of totpRecoveryCodes) expect(set.remaining).toBe(10);
    }
  });

  it('lets a session guess race deleteUser without a deadlock or an internal error', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { userId, secret, recoveryCodes } = await gw.enroll({ verify: true });
      const { createSession } = await client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
      const { sessionToken } = createSession;
      const results = await Promise.all([
        ...[-1, 0, 1].map((step) => client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret, step), sessionToken } })),
        client.request(RecoverTotpDocument, { input: { userId, recoveryCode: recoveryCodes[0], sessionToken } }),
        client.request(AuthenticateSessionDocument, { input: { sessionToken, sessionDurationMinutes: 30 } }),
        client.request(RevokeSessionDocument, { input: { sessionToken } }),
        client.request(DeleteUserDocument, { userId }),
      ]);
      expect(outcome(results[results.length - 1])).toBe('OK');
      expectOnly(results.slice(0, -1).map(outcome), [
        'OK',
        'USER_NOT_FOUND',
        'TOTP_NOT_FOUND',
        'SESSION_NOT_FOUND',
        'UNABLE_TO_AUTHENTICATE_TOTP',
        'TOTP_CODE_ALREADY_AUTHENTICATED',
      ]);
    }
  });

  it('lets exactly one of concurrent deletions of one TOTP, user or session succeed', async () => {
    const { userId, totpId } = await gw.enroll({ verify: true });
    const totpDeletions = await Promise.all(Array.from({ length: 3 }, () => client.request(DeleteTotpDocument, { totpId })));
    expect(totpDeletions.map(outcome).sort()).toEqual(['OK', 'TOTP_NOT_FOUND', 'TOTP_NOT_FOUND']);

    const sessionIds = await Promise.all(
      Array.from({ length: 2 }, async () => (await client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } })).createSession),
    );
    const [byId, byToken] = sessionIds;
    const revocations = await Promise.all([
      ...Array.from({ length: 3 }, () => client.request(RevokeSessionDocument, { input: { sessionId: byId.session.sessionId } })),
      ...Array.from({ length: 3 }, () => client.request(RevokeSessionDocument, { input: { sessionToken: byToken.sessionToken } })),
    ]);
    expect(revocations.slice(0, 3).map(outcome).sort()).toEqual(['OK', 'SESSION_NOT_FOUND', 'SESSION_NOT_FOUND']);
    expect(revocations.slice(3).map(outcome).sort()).toEqual(['OK', 'SESSION_NOT_FOUND', 'SESSION_NOT_FOUND']);

    const userDeletions = await Promise.all(Array.from({ length: 3 }, () => client.request(DeleteUserDocument, { userId })));
    expect(userDeletions.map(outcome).sort()).toEqual(['OK', 'USER_NOT_FOUND', 'USER_NOT_FOUND']);
  });

  it('answers exactly one success over REST to concurrent deletions of one TOTP', async () => {
    const { totpId } = await gw.enroll({ verify: true });
    const auth = `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}`;
    const responses = await Promise.all(
      Array.from({ length: 3 }, () => fetch(`${gw.url}/v1/users/totps/${totpId}`, { method: 'DELETE', headers: { authorization: auth } })),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ status_code: number; error_type?: string }>;
    expect(bodies.map((b) => b.error_type ?? 'OK').sort()).toEqual(['OK', 'totp_not_found', 'totp_not_found']);
  });

  it('answers a REST deleteTotp racing deleteUser only 200 (from what it committed) or totp_not_found, never user_not_found', async () => {
    const auth = `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}`;
    for (let round = 0; round < ROUNDS * 2; round++) {
      const { userId, totpId } = await gw.enroll({ verify: true });
      const [totpDeletion, userDeletion] = await Promise.all([
        fetch(`${gw.url}/v1/users/totps/${totpId}`, { method: 'DELETE', headers: { authorization: auth } }),
        fetch(`${gw.url}/v1/users/${userId}`, { method: 'DELETE', headers: { authorization: auth } }),
      ]);
      const body = (await totpDeletion.json()) as { error_type?: string; user_id?: string; user?: { totps: Array<{ totp_id: string }> } };
      expect([totpDeletion.status, body.error_type ?? 'OK']).toEqual(totpDeletion.status === 200 ? [200, 'OK'] : [404, 'totp_not_found']);
      if (totpDeletion.status === 200) expect([body.user_id, body.user?.totps.map((t) => t.totp_id)]).toEqual([userId, []]);
      expect(userDeletion.status).toBe(200);
    }
  });

  it('answers a REST deleteTotp 200 from what it committed even when deleteUser commits right after it', async () => {
    // The worst interleaving, made certain: the user is deleted between the TOTP deletion's commit and its answer.
    const auth = `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}`;
    const { totps, users } = gw.gateway.services;
    const original = totps.delete.bind(totps);
    const spy = jest.spyOn(totps, 'delete').mockImplementation(async (projectId, totpId) => {
      const deleted = await original(projectId, totpId);
      await users.delete(projectId, deleted.userId);
      return deleted;
    });
    try {
      const { userId, totpId } = await gw.enroll({ verify: true });
      const response = await fetch(`${gw.url}/v1/users/totps/${totpId}`, { method: 'DELETE', headers: { authorization: auth } });
      expect([response.status, ((await response.json()) as { user_id?: string }).user_id]).toEqual([200, userId]);
      expect(codes(await client.request(GetUserDocument, { userId }))).toEqual(['USER_NOT_FOUND']);
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps at most one TOTP per user when createTotp races createTotp and a verification', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { userId, secret } = await gw.enroll();
      const [verifying, ...creating] = await Promise.all([
        client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret) } }),
        ...Array.from({ length: 4 }, () => client.request(CreateTotpDocument, { input: { userId } })),
      ]);
      const verification = expectOnly([outcome(verifying)], ['OK', 'TOTP_NOT_FOUND', 'UNABLE_TO_AUTHENTICATE_TOTP'])[0];
      const creations = expectOnly(creating.map(outcome), ['OK', 'ACTIVE_TOTP_EXISTS']);
      const { user } = await client.data(GetUserDocument, { userId });
      expect(user.totps).toHaveLength(1);
      if (verification === 'OK') {
        // The verification came first (a creation before it would have replaced the TOTP it judged),
        // so every creation met a verified TOTP.
        expect(creations).toEqual(Array(4).fill('ACTIVE_TOTP_EXISTS'));
        expect(user.totps[0].verified).toBe(true);
      } else {
        expect(creations).toEqual(Array(4).fill('OK'));
        expect(user.totps[0].verified).toBe(false);
        const created = creating.map((r) => (r.data as CreateTotpMutation).createTotp);
        expect(created.map((c) => c.totpId)).toContain(user.totps[0].totpId);
        // Only the surviving enrollment's secret verifies.
        const survivor = created.find((c) => c.totpId === user.totps[0].totpId)!;
        for (const other of created.filter((c) => c !== survivor)) {
          expect(codes(await client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(other.secret) } }))).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
        }
        await client.data(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(survivor.secret) } });
      }
    }
  });

  it('maps a foreign-key violation to the missing parent\'s not-found where the driver names the parent', async () => {
    const nowMs = Date.now();
    const orphanCode = ['INSERT INTO totp_recovery_codes (id, totp_id, code_hash, position) VALUES (?, ?, ?, ?)', [newId('recovery'), newId('totp'), 'x', 0]] as const;
    const orphanSession = [
      'INSERT INTO sessions (id, project_id, user_id, token_hash, started_at, last_accessed_at, expires_at, authentication_factors, custom_claims) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [newId('session'), gw.project.projectId, newId('user'), newId('secret'), nowMs, nowMs, nowMs + 60_000, '[]', '{}'],
    ] as const;
    for (const [[text, params], parent] of [[orphanCode, 'TOTP_NOT_FOUND'], [orphanSession, 'USER_NOT_FOUND']] as const) {
      const error: unknown = await gw.gateway.db.write((m) => sql(m, text, [...params])).catch((e: unknown) => e);
      expect(isForeignKeyViolation(error)).toBe(true);
      expect(isUniqueViolation(error)).toBe(false);
      // SQLite's message names no table; its writes are serialised, so a parent never vanishes mid-write.
      expect(missingParentError(error)?.code).toBe(dialect === 'postgres' ? parent : undefined);
    }
  });

  it('gives concurrent callers one public token and one origin row', async () => {
    const project = await gw.newProject();
    await gw.gateway.db.write((m) => sql(m, 'UPDATE projects SET public_token = NULL WHERE id = ?', [project.projectId]));
    const { projects } = gw.gateway.services;
    const tokens = await Promise.all(Array.from({ length: 5 }, () => projects.publicToken(project.projectId)));
    expect(new Set(tokens).size).toBe(1);
    expect(await projects.byPublicToken(tokens[0])).toMatchObject({ projectId: project.projectId });
    const origins = await Promise.all(Array.from({ length: 5 }, () => projects.addOrigin(project.projectId, 'https://app.example.com')));
    expect(origins).toEqual(Array(5).fill('https://app.example.com'));
    expect(await projects.listOrigins(project.projectId)).toEqual(['https://app.example.com']);
  });
});


describePostgres('concurrent writes from two processes on one PostgreSQL database', () => {
  let drop: () => Promise<void>;
  let gw: TestGateway;
  let other: GatewayProcess;
  /** Clients of this process and of the other one, for the same project. */
  let clients: [GatewayClient, GatewayClient];
  const pick = (i: number) => clients[i % 2];

  beforeAll(async () => {
    ensureBuilt();
    const pg = await createDatabase();
    drop = pg.drop;
    const env = { DATABASE_URL: pg.url, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOCKOUT_MAX_ATTEMPTS: String(LOCKOUT_MAX_ATTEMPTS) };
    gw = await startGateway({ dialect: 'postgres', databaseUrl: pg.url, env });
    other = await startProcess(env);
    clients = [gw.client, other.client(gw.project.projectId, gw.project.secret)];
  });
  afterAll(async () => {
    await other?.kill();
    await gw?.close();
    await drop?.();
  });

  it(`leaves exactly one valid set after ${CONCURRENT} regenerations split over both, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { userId, recoveryCodes } = await gw.enroll({ verify: true });
      const responses = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => pick(i).request(RegenerateTotpRecoveryCodesDocument, { userId })));
      expect(responses.map(outcome)).toEqual(Array(CONCURRENT).fill('OK'));
      await expectOneValidSet(pick(round), userId, responses.map((r) => r.data!.regenerateTotpRecoveryCodes.recoveryCodes), recoveryCodes.slice(0, 3));
    }
  });

  it('answers success or the parent not-found to writes racing deletions in the other process', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const a = await gw.enroll({ verify: true });
      const b = await gw.enroll({ verify: true });
      const results = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => pick(i).request(CreateSessionDocument, { input: { userId: a.userId, sessionDurationMinutes: 60 } })),
        ...Array.from({ length: 4 }, (_, i) => pick(i).request(RegenerateTotpRecoveryCodesDocument, { userId: a.userId })),
        ...Array.from({ length: 4 }, (_, i) => pick(i).request(RegenerateTotpRecoveryCodesDocument, { userId: b.userId })),
        ...Array.from({ length: 2 }, (_, i) => pick(i).request(CreateTotpDocument, { input: { userId: b.userId } })),
        ...Array.from({ length: 4 }, (_, i) => pick(round + i).request(DeleteUserDocument, { userId: a.userId })),
        ...Array.from({ length: 4 }, (_, i) => pick(round + i).request(DeleteTotpDocument, { totpId: b.totpId })),
      ]);
      expectOnly(results.slice(0, 8).map(outcome), ['OK', 'USER_NOT_FOUND', 'TOTP_NOT_FOUND']);
      expectOnly(results.slice(8, 14).map(outcome), ['OK', 'TOTP_NOT_FOUND', 'ACTIVE_TOTP_EXISTS']);
      expect(results.slice(14, 18).map(outcome).sort()).toEqual(['OK', 'USER_NOT_FOUND', 'USER_NOT_FOUND', 'USER_NOT_FOUND']);
      expect(results.slice(18).map(outcome).sort()).toEqual(['OK', 'TOTP_NOT_FOUND', 'TOTP_NOT_FOUND', 'TOTP_NOT_FOUND']);
      const { totpRecoveryCodes } = await gw.client.data(TotpRecoveryCodesDocument, { userId: b.userId });
      for (const set of totpRecoveryCodes) expect(set.remaining).toBe(10);
    }
    expect(other.output()).not.toMatch(/violates foreign key|deadlock/i);
    expect(gw.logs()).not.toMatch(/violates foreign key|deadlock/i);
  });
});
