import { defineError } from '../errors/error.catalogue';

export const WebhookEndpointNotFoundError = defineError('WEBHOOK_ENDPOINT_NOT_FOUND');
export const WebhookDeliveryNotFoundError = defineError('WEBHOOK_DELIVERY_NOT_FOUND');
export const InvalidWebhookUrlError = defineError('INVALID_WEBHOOK_URL');
export const InvalidWebhookEventTypeError = defineError('INVALID_WEBHOOK_EVENT_TYPE');
export const WebhookEndpointLimitReachedError = defineError('WEBHOOK_ENDPOINT_LIMIT_REACHED');
