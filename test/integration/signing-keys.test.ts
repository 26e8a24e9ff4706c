// Signing-key rollover: a successor key is published in the JWKS before it signs, the old key keeps verifying through the overlap, and retired keys leave the JWKS.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { CreateSessionDocument } from '../../client';
import { PUBLISH_LEAD_MS } from '../../src/sessions/signing-key.service';
import { describeEachDialect, startGateway, type TestGateway } from '../support/gateway';
import { sessionIssuer } from '../../src/sessions/jwt-issuer';

const DAY_MS = 86_400_000;
const ROTATION_DAYS = 1;
const ROTATION_MS = ROTATION_DAYS * DAY_MS;
/** Past every in-process cache of keys (they are re-read at least once a minute). */
const CACHE_MS = 61_000;

describeEachDialect('signing keys on %s', (dialect) => {
  let gw: TestGateway;
  let nowMs = Date.now();
  const advance = (ms: number) => (nowMs += ms);

  beforeAll(async () => {
    // Session JWTs carry real `iat`/`exp` from this clock; verification below passes currentDate to match.
    gw = await startGateway({ dialect, clock: { now: () => nowMs }, env: { SESSION_SIGNING_KEY_ROTATION_DAYS: String(ROTATION_DAYS) } });
  });
  afterAll(() => gw.close());

  async function jwks(): Promise<JSONWebKeySet> {
    return (await (await fetch(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`)).json()) as JSONWebKeySet;
  }

  async function newJwt(): Promise<{ jwt: string; kid: string }> {
    const userId = await gw.createUser();
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    return { jwt: createSession.sessionJwt, kid: decodeProtectedHeader(createSession.sessionJwt).kid! };
  }

  /** Signature, issuer and audience, with `exp` judged at `atMs` (the test clock runs ahead of the real one). */
  const verifies = async (jwt: string, set: JSONWebKeySet, atMs = nowMs) =>
    jwtVerify(jwt, createLocalJWKSet(set), { issuer: sessionIssuer(gw.config.publicUrl, gw.project.projectId), audience: gw.project.projectId, currentDate: new Date(atMs) }).then(
      () => true,
      () => false,
    );

  it('publishes the successor before it signs, overlaps, then retires the old key', async () => {
    const first = await newJwt();
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([first.kid]);

    // Near the end of its period the key gets a successor: published now, not signing yet.
    advance(ROTATION_MS - PUBLISH_LEAD_MS + CACHE_MS);
    const stillOld = await newJwt();
    const stillOldAt = nowMs;
    expect(stillOld.kid).toBe(first.kid);
    advance(CACHE_MS);
    const published = (await jwks()).keys.map((k) => k.kid);
    expect(published).toHaveLength(2);
    const successor = published.find((kid) => kid !== first.kid)!;
    expect((await newJwt()).kid).toBe(first.kid);

    // Once published for the lead time, the successor signs; a JWKS fetched before that verifies it.
    const cachedByVerifier = await jwks();
    advance(PUBLISH_LEAD_MS);
    const signedByNew = await newJwt();
    expect(signedByNew.kid).toBe(successor);
    expect(await verifies(signedByNew.jwt, cachedByVerifier)).toBe(true);
    // The old key's JWTs still verify against the current JWKS during the overlap.
    expect(await verifies(stillOld.jwt, await jwks(), stillOldAt)).toBe(true);

    // After two periods the old key is gone from the JWKS.
    advance(2 * ROTATION_MS);
    await newJwt();
    advance(CACHE_MS);
    expect((await jwks()).keys.map((k) => k.kid)).not.toContain(first.kid);
  });

});
