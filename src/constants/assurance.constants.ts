// The assurance feature's input bounds (step-up, remembered devices): the one place their numbers are
// written. The inputs' validation, the GraphQL descriptions and the catalogue messages are built from them.
import { SESSION_DURATION_MINUTES } from './session.constants';

/**
 * NIST SP 800-63B's authentication assurance levels as a session reaches them: AAL1 with one factor
 * (the project's backend vouching for it: createSession), AAL2 once a second factor is proven
 * (src/sessions/assurance.rules.ts derives it from the session's factors).
 */
export type AssuranceLevel = 'AAL1' | 'AAL2';

/** A project's MFA policy: REQUIRED keeps sessions below AAL2 to the operations that reach AAL2. */
export const MFA_POLICIES = ['OPTIONAL', 'REQUIRED'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

export const isMfaPolicy = (value: unknown): value is MfaPolicy => MFA_POLICIES.includes(value as MfaPolicy);

/** authenticateSession's maxFactorAgeSeconds: 0 up to the longest session (a factor older than its session cannot be on it). */
export const MAX_FACTOR_AGE_SECONDS = { min: 0, max: SESSION_DURATION_MINUTES.max * 60 } as const;

/** How long a remembered device lasts, in days (rememberDeviceDays). */
export const REMEMBER_DEVICE_DAYS = { min: 1, max: 90 } as const;

/** A device token: 256 random bits, base64url without padding (43 characters). */
export const DEVICE_TOKEN_BYTES = 32;

/** The longest User-Agent a remembered device keeps (longer ones are cut). */
export const DEVICE_USER_AGENT_MAX_CHARS = 512;

/** The INVALID_MAX_FACTOR_AGE_SECONDS message. */
export const MAX_FACTOR_AGE_MESSAGE = `maxFactorAgeSeconds must be an integer from ${MAX_FACTOR_AGE_SECONDS.min} to ${MAX_FACTOR_AGE_SECONDS.max}.`;

/** The INVALID_REMEMBER_DEVICE_DAYS message. */
export const REMEMBER_DEVICE_DAYS_MESSAGE = `rememberDeviceDays must be an integer from ${REMEMBER_DEVICE_DAYS.min} to ${REMEMBER_DEVICE_DAYS.max}.`;
