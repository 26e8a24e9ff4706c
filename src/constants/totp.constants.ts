// The TOTP feature's input bounds: the one place their numbers are written. The input validation
// (totp.inputs.ts), the GraphQL field description and the catalogue message are built from them.

/** How long an unverified TOTP stays usable, in minutes (Stytch's expiration_minutes: 5..1440, default a day). */
export const EXPIRATION_MINUTES = { min: 5, max: 1440, default: 1440 } as const;

/** The GraphQL description of `expirationMinutes`. */
export const EXPIRATION_MINUTES_DESCRIPTION = `Minutes an unverified TOTP stays usable: ${EXPIRATION_MINUTES.min}..${EXPIRATION_MINUTES.max}, default ${EXPIRATION_MINUTES.default}.`;

/** The INVALID_EXPIRATION message. */
export const INVALID_EXPIRATION_MESSAGE = `expirationMinutes must be between ${EXPIRATION_MINUTES.min} and ${EXPIRATION_MINUTES.max}.`;
