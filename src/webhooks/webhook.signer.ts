// Standard Webhooks signatures (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
// HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` with the endpoint's `whsec_` secret,
// sent as `v1,<base64>`; several space-separated signatures while a rotated-out secret still signs,
// so a receiver holding either secret verifies.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Secret bytes: the specification asks for 24 to 64. */
const SECRET_BYTES = 32;

/** A new signing secret, `whsec_<base64>`, as the standardwebhooks libraries read it. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The three Standard Webhooks headers of one attempt. */
export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** Signs `body` for message `messageId` at `atMs` with every secret given (the current one first). */
export function signMessage(secrets: readonly string[], messageId: string, atMs: number, body: string): SignedHeaders {
  const at = new Date(atMs);
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return { 'webhook-id': messageId, 'webhook-timestamp': String(Math.floor(atMs / 1000)), 'webhook-signature': signatures.join(' ') };
}
