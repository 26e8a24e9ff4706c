import { defineError } from '../errors/error.catalogue';

export const ActiveTotpExistsError = defineError('ACTIVE_TOTP_EXISTS');
export const TotpNotFoundError = defineError('TOTP_NOT_FOUND');
export const TotpExpiredError = defineError('TOTP_EXPIRED');
export const InvalidTotpCodeError = defineError('INVALID_TOTP_CODE');
export const UnableToAuthenticateTotpError = defineError('UNABLE_TO_AUTHENTICATE_TOTP');
export const TotpCodeAlreadyAuthenticatedError = defineError('TOTP_CODE_ALREADY_AUTHENTICATED');
export const InvalidRecoveryCodeError = defineError('INVALID_RECOVERY_CODE');
export const UnableToAuthenticateRecoveryCodeError = defineError('UNABLE_TO_AUTHENTICATE_RECOVERY_CODE');
export const InvalidTotpParametersError = defineError('INVALID_TOTP_PARAMETERS');
export const InvalidTotpLabelError = defineError('INVALID_TOTP_LABEL');
export const TotpLimitReachedError = defineError('TOTP_LIMIT_REACHED');
