// Who a session caller is, as the request context carries it: declared here, below the sessions
// feature that resolves it (src/sessions/session.service.ts `callerOf`), so the context and the
// caller policy need nothing above them.
import type { AssuranceLevel, MfaPolicy } from '../constants/assurance.constants';

/** A factor a session can hold: an authenticator app's TOTP, a recovery code, a remembered device, or the project's backend. */
export type FactorType = 'totp' | 'recovery_codes' | 'remembered_device' | 'external';


/** How a session caller proved itself: the bearer credential, kept to name its session again. */
export type SessionCredential = { readonly sessionToken: string } | { readonly sessionJwt: string };

/** A browser (or app) calling with a project's public token and one of that project's live sessions. */
export interface SessionCaller {
  readonly sessionId: string;
  readonly userId: string;
  readonly credential: SessionCredential;
  /** The factor types the session has proven so far (`external`, `totp`, `recovery_codes`). */
  readonly factors: readonly FactorType[];
  /** The session's assurance level, derived from its factors when the request arrived. */
  readonly assuranceLevel: AssuranceLevel;
  /** The project's MFA policy (caller.policy.ts `withinMfaPolicy` applies it). */
  readonly mfaPolicy: MfaPolicy;
  /** When the session ends, as the backend set it: a session caller may shorten it, never extend it. */
  readonly expiresAtMs: number;
}
