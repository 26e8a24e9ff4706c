// The TOTP feature's input bounds: the one place their numbers are written. The input validation
// (totp.inputs.ts), the GraphQL field description and the catalogue message are built from them.

/** How long an unverified TOTP stays usable, in minutes (Stytch's expiration_minutes: 5..1440, default a day). */
export const EXPIRATION_MINUTES = { min: 5, max: 1440, default: 1440 } as const;

/** The GraphQL description of `expirationMinutes`. */
export const EXPIRATION_MINUTES_DESCRIPTION = `Minutes an unverified TOTP stays usable: ${EXPIRATION_MINUTES.min}..${EXPIRATION_MINUTES.max}, default ${EXPIRATION_MINUTES.default}.`;

/** The INVALID_EXPIRATION message. */
export const INVALID_EXPIRATION_MESSAGE = `expirationMinutes must be between ${EXPIRATION_MINUTES.min} and ${EXPIRATION_MINUTES.max}.`;

/**
 * TOTP parameters a project or an enrollment may choose. RFC 6238 §1.2 allows HMAC-SHA-256 and
 * HMAC-SHA-512 beside HMAC-SHA-1; RFC 4226 §5.3 asks for at least 6 digits (8 is the other length
 * authenticator apps show); RFC 6238 §5.2 recommends a 30-second time step. The defaults are what every
 * authenticator app reads (Google Authenticator ignores the others on some platforms).
 */
export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type TotpAlgorithm = (typeof TOTP_ALGORITHMS)[number];
export const TOTP_DIGITS = [6, 8] as const;
export type TotpDigits = (typeof TOTP_DIGITS)[number];
export const TOTP_PERIOD_SECONDS = [30, 60] as const;
export type TotpPeriodSeconds = (typeof TOTP_PERIOD_SECONDS)[number];
export const DEFAULT_TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, periodSeconds: 30 } as const satisfies {
  algorithm: TotpAlgorithm;
  digits: TotpDigits;
  periodSeconds: TotpPeriodSeconds;
};

/** A TOTP's label, shown to the user to tell their devices apart: trimmed, 1..64 characters. */
export const TOTP_LABEL_CHARS = { min: 1, max: 64 } as const;
export const DEFAULT_TOTP_LABEL = 'Authenticator app';

/** How many TOTPs a user of a project may hold (project setting); 1 is Stytch's rule (`active_totp_exists`). */
export const MAX_TOTPS_PER_USER = { min: 1, max: 10, default: 1 } as const;

/** The INVALID_TOTP_PARAMETERS message (each refusal names the field and the values it takes). */
export const INVALID_TOTP_PARAMETERS_MESSAGE = `algorithm must be one of ${TOTP_ALGORITHMS.join(', ')}, digits one of ${TOTP_DIGITS.join(', ')} and period one of ${TOTP_PERIOD_SECONDS.join(', ')} seconds.`;
/** The INVALID_TOTP_LABEL message. */
export const INVALID_TOTP_LABEL_MESSAGE = `A TOTP label is ${TOTP_LABEL_CHARS.min} to ${TOTP_LABEL_CHARS.max} characters once trimmed, without control or bidirectional-control characters.`;
/** The TOTP_LIMIT_REACHED message. */
export const TOTP_LIMIT_REACHED_MESSAGE = "The user already holds as many verified TOTPs as the project allows (maxTotpsPerUser); delete one before adding another.";

export const isTotpAlgorithm = (value: unknown): value is TotpAlgorithm => (TOTP_ALGORITHMS as readonly unknown[]).includes(value);
export const isTotpDigits = (value: unknown): value is TotpDigits => (TOTP_DIGITS as readonly unknown[]).includes(value);
export const isTotpPeriodSeconds = (value: unknown): value is TotpPeriodSeconds => (TOTP_PERIOD_SECONDS as readonly unknown[]).includes(value);
