// How much a session proves, derived only from its authentication factors (pure; no I/O, no clock of
// its own), so every place that shows or checks it (Session.assuranceLevel, the JWT's acr and amr,
// authenticateSession's step-up, the MFA policy of session callers) agrees and no request reads
// anything more to know it.
// - NIST SP 800-63B §4.1/§4.2 (AAL1, AAL2): AAL2 needs two distinct factors. The gateway verifies the
//   second (TOTP: §5.1.4.1 single-factor OTP; recovery codes: §5.1.2 look-up secrets); the first is the
//   project's backend's (createSession records it as `external`, and a backend that calls
//   authenticateTotp with a new session vouches for it the same way).
// - A remembered device (a long-lived bearer token after a second factor, §7.1's reauthentication
//   within a session's bounds) counts towards AAL2 only when its project said so when it was proven:
//   that choice is stored on the factor (`countsTowardsAal2`), so the level stays a function of the factors.
// - JWT claims: `acr` (OpenID Connect Core §2, RFC 9068 §2.2.1) names the level with the URIs the
//   U.S. federal IDManagement.gov namespace defines for SP 800-63 AALs (as SP 800-63C's federation
//   assertions carry the AAL); `amr` (RFC 8176 §2) lists registered method values: `otp` for a TOTP or
//   a recovery code (both one-time secrets), `mfa` once the session is AAL2.
import type { FactorType } from '../graphql/caller.types';
import type { AssuranceLevel } from '../constants/assurance.constants';

/** What the rules read of a factor (src/sessions/session.entity.ts AuthenticationFactor fits it). */
export interface AssuranceFactor {
  readonly type: FactorType;
  readonly lastAuthenticatedAt: Date;
  /** remembered_device only: whether its project counted remembered devices towards AAL2 then. */
  readonly countsTowardsAal2?: boolean | null;
}

/** A step-up requirement (authenticateSession): the level and, optionally, how recent its factor must be. */
export interface AssuranceRequirement {
  readonly level: AssuranceLevel;
  /** The factor that meets `level` must be at most this old (seconds), when given. */
  readonly maxFactorAgeSeconds?: number | null;
}

/** Why a session misses a requirement; null when it meets it. */
export type AssuranceShortfall =
  | { readonly code: 'SECOND_FACTOR_REQUIRED'; readonly assuranceLevel: AssuranceLevel }
  | { readonly code: 'FACTOR_TOO_OLD'; readonly factorAgeSeconds: number; readonly maxFactorAgeSeconds: number };

/** The acr values (IDManagement.gov's AAL URIs). */
export const ACR_VALUES: Readonly<Record<AssuranceLevel, string>> = {
  AAL1: 'http://idmanagement.gov/ns/assurance/aal/1',
  AAL2: 'http://idmanagement.gov/ns/assurance/aal/2',
};

/** Whether `factor` is a second factor (verified by the gateway and counted towards AAL2). */
export function isSecondFactor(factor: AssuranceFactor): boolean {
  if (factor.type === 'totp' || factor.type === 'recovery_codes') return true;
  return factor.type === 'remembered_device' && factor.countsTowardsAal2 === true;
}

/** The session's level: AAL2 with any second factor, else AAL1. */
export function assuranceLevelOf(factors: readonly AssuranceFactor[]): AssuranceLevel {
  return factors.some(isSecondFactor) ? 'AAL2' : 'AAL1';
}

/** RFC 8176 `amr` values of the factors, without duplicates, in a fixed order (`otp`, then `mfa`). */
export function amrOf(factors: readonly AssuranceFactor[]): string[] {
  const amr: string[] = [];
  if (factors.some((f) => f.type === 'totp' || f.type === 'recovery_codes')) amr.push('otp');
  if (assuranceLevelOf(factors) === 'AAL2') amr.push('mfa');
  return amr;
}

/**
 * The newest factor that meets `level` (for AAL2 a second factor; for AAL1 any factor), or null when
 * none does.
 */
function newestMeeting(factors: readonly AssuranceFactor[], level: AssuranceLevel): AssuranceFactor | null {
  const meeting = level === 'AAL2' ? factors.filter(isSecondFactor) : factors;
  return meeting.reduce<AssuranceFactor | null>((newest, f) => (!newest || f.lastAuthenticatedAt > newest.lastAuthenticatedAt ? f : newest), null);
}

/**
 * Whether a session with `factors` meets `requirement` at `nowMs`: SECOND_FACTOR_REQUIRED when no
 * factor reaches the level, FACTOR_TOO_OLD (with its age in whole seconds, rounded down) when the
 * newest that does is older than maxFactorAgeSeconds (NIST SP 800-63B §7.2: reauthentication for a
 * sensitive action, decided by the verifier rather than each backend).
 */
export function assuranceShortfall(factors: readonly AssuranceFactor[], requirement: AssuranceRequirement, nowMs: number): AssuranceShortfall | null {
  const factor = newestMeeting(factors, requirement.level);
  if (!factor) return { code: 'SECOND_FACTOR_REQUIRED', assuranceLevel: assuranceLevelOf(factors) };
  const max = requirement.maxFactorAgeSeconds;
  if (max == null) return null;
  const ageSeconds = Math.max(0, Math.floor((nowMs - factor.lastAuthenticatedAt.getTime()) / 1000));
  return ageSeconds > max ? { code: 'FACTOR_TOO_OLD', factorAgeSeconds: ageSeconds, maxFactorAgeSeconds: max } : null;
}
