import { defineError } from '../errors/error.catalogue';

export const UserNotFoundError = defineError('USER_NOT_FOUND');
export const DuplicateEmailError = defineError('DUPLICATE_EMAIL');
export const DuplicatePhoneNumberError = defineError('DUPLICATE_PHONE_NUMBER');
export const DuplicateExternalIdError = defineError('DUPLICATE_EXTERNAL_ID');
export const UserLockLimitReachedError = defineError('USER_LOCK_LIMIT_REACHED');
