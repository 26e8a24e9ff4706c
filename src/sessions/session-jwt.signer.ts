// Session JWTs: signing with the project's active key, and reading a session id back out of a JWT
// (RFC 7515 signature, RFC 7519 `iss`/`aud`/`exp`), with the claims Stytch puts in its session JWTs so
// existing verifiers keep working. No database access of its own beyond the project's keys.
import { sign as signWith, type KeyObject } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { JwtAlgorithm } from '../config';
import type { Clock } from '../common/clock';
import { isId } from '../common/ids';
import { GatewayError } from '../errors/error.catalogue';
import type { ActiveKey, SigningKeyService } from './signing-key.service';
import { isOwnIssuer, sessionIssuer } from './jwt-issuer';
import type { AuthenticationFactor, Session } from './session.entity';
import { SessionNotFoundError } from './session.errors';
import { ACR_VALUES, amrOf, assuranceLevelOf } from './assurance.rules';

const STYTCH_SESSION_CLAIM = 'https://stytch.com/session';

/**
 * How node:crypto signs each JWS algorithm (RFC 7518 §3.3 RS256: RSASSA-PKCS1-v1_5 with SHA-256; §3.4
 * ES256: ECDSA P-256 with SHA-256, the signature as R || S; RFC 8037 §3.1 EdDSA: Ed25519, no separate hash).
 */
const SIGNING: Record<JwtAlgorithm, { hash: string | null; dsaEncoding?: 'ieee-p1363' }> = {
  RS256: { hash: 'sha256' },
  ES256: { hash: 'sha256', dsaEncoding: 'ieee-p1363' },
  EdDSA: { hash: null },
};

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

/**
 * A JWS signature of `input` with node:crypto's callback form, which runs on libuv's thread pool, so
 * the event loop never waits for RSA or ECDSA (WebCrypto's sign, which jose uses, does part of the
 * work on the calling thread).
 */
function signature(algorithm: JwtAlgorithm, input: string, key: KeyObject): Promise<Buffer> {
  const { hash, dsaEncoding } = SIGNING[algorithm];
  return new Promise((resolve, reject) =>
    signWith(hash, Buffer.from(input), dsaEncoding ? { key, dsaEncoding } : key, (error, signed) => (error ? reject(error) : resolve(signed))),
  );
}

/** Signs and verifies a project's session JWTs. */
export class SessionJwtSigner {
  constructor(
    private readonly keys: SigningKeyService,
    private readonly clock: Clock,
    /** publicUrl: PUBLIC_URL or null; the JWT issuer follows from it (./jwt-issuer.ts). */
    private readonly options: { publicUrl: string | null; jwtLifetimeSeconds: number },
  ) {}

  /**
   * Signs a fresh JWT for a session with `key` (after its transaction committed; no I/O): a JWS
   * Compact Serialization (RFC 7515 §7.1) of the header {alg, kid, typ} and the claims.
   */
  async sign(key: ActiveKey, projectId: string, session: Session): Promise<string> {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    const claims = {
      ...session.customClaims,
      // The assurance the session has reached (src/sessions/assurance.rules.ts): OpenID Connect `acr`
      // and RFC 8176 `amr`; custom claims may not set them (they are reserved, session.constants.ts).
      acr: ACR_VALUES[assuranceLevelOf(session.authenticationFactors)],
      amr: amrOf(session.authenticationFactors),
      [STYTCH_SESSION_CLAIM]: {
        id: session.sessionId,
        started_at: session.startedAt.toISOString(),
        last_accessed_at: session.lastAccessedAt.toISOString(),
        expires_at: session.expiresAt.toISOString(),
        attributes: { ip_address: '', user_agent: '' },
        authentication_factors: session.authenticationFactors.map(stytchFactor),
      },
      iss: sessionIssuer(this.options.publicUrl, projectId),
      aud: [projectId],
      sub: session.userId,
      iat: nowSeconds,
      nbf: nowSeconds,
      // A JWT never outlives its session.
      exp: Math.min(nowSeconds + this.options.jwtLifetimeSeconds, Math.floor(session.expiresAt.getTime() / 1000)),
    };
    const input = `${base64url({ alg: key.algorithm, kid: key.kid, typ: 'JWT' })}.${base64url(claims)}`;
    return `${input}.${(await signature(key.algorithm, input, key.privateKey)).toString('base64url')}`;
  }

  /**
   * Checks signature (a key of this project), audience (this project) and issuer (one this gateway
   * may have written, whatever PUBLIC_URL was then: ./jwt-issuer.ts says why). `exp` only when asked
   * (`unexpired`, for a browser's Bearer JWT): otherwise an expired JWT still names its session, which is then checked in the database,
   * as Stytch's sessions.authenticate does for a backend.
   */
  async sessionIdFromJwt(projectId: string, jwt: string, unexpired = false): Promise<string> {
    try {
      const { kid } = decodeProtectedHeader(jwt);
      let keys = await this.keys.publicKeys(projectId);
      if (!keys.some((k) => k.kid === kid)) keys = await this.keys.publicKeys(projectId, true);
      const { payload } = await compactVerify(jwt, createLocalJWKSet({ keys }));
      const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as JWTPayload & Record<string, { id?: string }>;
      const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      const sessionId = claims[STYTCH_SESSION_CLAIM]?.id;
      if (!isOwnIssuer(claims.iss, projectId, this.options.publicUrl) || !audience.includes(projectId) || !isId('session', sessionId)) throw new Error('claims do not match');
      if (unexpired && !(typeof claims.exp === 'number' && claims.exp * 1000 > this.clock.now())) throw new Error('the JWT has expired');
      return sessionId;
    } catch (cause) {
      // The keys could not be read (the database busy or unavailable): no outcome on the JWT, so not "not found".
      if (cause instanceof GatewayError) throw cause;
      throw new SessionNotFoundError({ cause });
    }
  }
}

/** A factor as Stytch spells it inside the session claim. */
export function stytchFactor(f: AuthenticationFactor) {
  const base = { type: f.type, delivery_method: f.deliveryMethod, last_authenticated_at: f.lastAuthenticatedAt.toISOString() };
  if (f.type === 'external') return base;
  if (f.type === 'totp') return { ...base, authenticator_app_factor: { totp_id: f.totpId } };
  if (f.type === 'remembered_device') return { ...base, remembered_device_factor: { remembered_device_id: f.rememberedDeviceId ?? null } };
  return { ...base, recovery_code_factor: { totp_recovery_code_id: f.recoveryCodeId ?? null } };
}
