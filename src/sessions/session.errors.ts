import { defineError, GatewayError } from '../errors/error.catalogue';
import type { AssuranceShortfall } from './assurance.rules';

export const SessionNotFoundError = defineError('SESSION_NOT_FOUND');
export const InvalidSessionDurationError = defineError('INVALID_SESSION_DURATION_MINUTES');
export const TooManySessionArgumentsError = defineError('TOO_MANY_SESSION_ARGUMENTS');
export const CustomClaimsTooLargeError = defineError('CUSTOM_CLAIMS_TOO_LARGE');

/** The catalogue error for a session that misses a step-up requirement (assurance.rules.ts `assuranceShortfall`). */
export function shortfallError(shortfall: AssuranceShortfall): GatewayError {
  if (shortfall.code === 'SECOND_FACTOR_REQUIRED') return new GatewayError('SECOND_FACTOR_REQUIRED', { details: { assuranceLevel: shortfall.assuranceLevel } });
  return new GatewayError('FACTOR_TOO_OLD', { details: { factorAgeSeconds: shortfall.factorAgeSeconds, maxFactorAgeSeconds: shortfall.maxFactorAgeSeconds } });
}
