import { defineError } from '../errors/error.catalogue';

export const SessionNotFoundError = defineError('SESSION_NOT_FOUND');
export const InvalidSessionDurationError = defineError('INVALID_SESSION_DURATION_MINUTES');
export const TooManySessionArgumentsError = defineError('TOO_MANY_SESSION_ARGUMENTS');
export const CustomClaimsTooLargeError = defineError('CUSTOM_CLAIMS_TOO_LARGE');
