import { GatewayError } from '../errors/error.catalogue';

export const invalidCursor = () =>
  new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_cursor', message: 'after must be an endCursor from a previous page of this user\'s events.', details: { field: 'after' } });
