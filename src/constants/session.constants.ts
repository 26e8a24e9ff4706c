// The session feature's input bounds: the one place their numbers and names are written. The input
// validation (session.inputs.ts), the session service's merge check, the GraphQL field descriptions
// and the catalogue messages are built from them.
import { kibibytes } from './units';

/** How long a session lasts, in minutes (Stytch's session_duration_minutes: 5 minutes to 366 days). */
export const SESSION_DURATION_MINUTES = { min: 5, max: 527_040 } as const;

/** The largest custom claims object, as serialised JSON bytes (also after merging into a session's claims): keeps JWTs small. */
export const CUSTOM_CLAIMS_MAX_BYTES = 4096;

/** RFC 7519 §4.1 registered claims, and the assurance claims (`acr`, RFC 8176 `amr`): the gateway's to set, never a caller's. */
const RESERVED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'acr', 'amr']);

/** Stytch's claim namespace, also the gateway's own. */
const RESERVED_CLAIM_PREFIX = 'https://stytch.com/';

/** The GraphQL description of `sessionDurationMinutes` on authenticating mutations. */
export const SESSION_DURATION_MINUTES_DESCRIPTION = `Start a session (or extend the given one) for this many minutes: ${SESSION_DURATION_MINUTES.min}..${SESSION_DURATION_MINUTES.max}.`;

/** The GraphQL description of `sessionDurationMinutes` on createSession. */
export const CREATE_SESSION_DURATION_MINUTES_DESCRIPTION = `How long the session lasts: ${SESSION_DURATION_MINUTES.min}..${SESSION_DURATION_MINUTES.max} minutes.`;

/** The GraphQL description of `sessionCustomClaims`. */
export const CUSTOM_CLAIMS_DESCRIPTION = `Extra top-level JWT claims, at most ${kibibytes(CUSTOM_CLAIMS_MAX_BYTES)}; registered and ${RESERVED_CLAIM_PREFIX} claims are refused.`;

/** The INVALID_SESSION_DURATION_MINUTES message. */
export const INVALID_SESSION_DURATION_MESSAGE = `sessionDurationMinutes must be between ${SESSION_DURATION_MINUTES.min} and ${SESSION_DURATION_MINUTES.max}.`;

/** The CUSTOM_CLAIMS_TOO_LARGE message. */
export const CUSTOM_CLAIMS_TOO_LARGE_MESSAGE = `sessionCustomClaims must be at most ${kibibytes(CUSTOM_CLAIMS_MAX_BYTES)} of JSON.`;

/** The RESERVED_CLAIMS_IN_CUSTOM_CLAIMS message. */
export const RESERVED_CLAIMS_MESSAGE = `sessionCustomClaims may not set registered JWT claims (${[...RESERVED_CLAIMS].join(', ')}) or ${RESERVED_CLAIM_PREFIX} claims.`;

/** Whether a custom claim name is the gateway's to set. */
export const isReservedClaim = (name: string): boolean => RESERVED_CLAIMS.has(name) || name.startsWith(RESERVED_CLAIM_PREFIX);
