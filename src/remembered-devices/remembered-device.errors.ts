import { defineError } from '../errors/error.catalogue';

export const RememberedDevicesDisabledError = defineError('REMEMBERED_DEVICES_DISABLED');
export const InvalidDeviceTokenError = defineError('INVALID_DEVICE_TOKEN');
export const UnableToAuthenticateRememberedDeviceError = defineError('UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE');
export const RememberedDeviceNotFoundError = defineError('REMEMBERED_DEVICE_NOT_FOUND');
