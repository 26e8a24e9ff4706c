import { GatewayError } from '../errors/error.catalogue';

export const invalidPageSize = (min: number, max: number) =>
  new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_page_size', message: `first must be between ${min} and ${max}.`, details: { field: 'first' } });

export const invalidCursor = () =>
  new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_cursor', message: 'after must be an endCursor from a previous page of this user\'s events.', details: { field: 'after' } });
