// GraphQL shapes of webhook endpoints and deliveries. No field ever carries a signing secret, except
// the one-time `secret` of the payloads that create or rotate it.
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A URL the project receives its events at, signed per Standard Webhooks.' })
export class WebhookEndpoint {
  @Field(() => ID)
  endpointId: string;

  @Field()
  url: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field({ description: 'Disabled endpoints get no new events; their pending deliveries wait until enabled again.' })
  enabled: boolean;

  @Field(() => [String], { description: 'The event types it receives (resource.action).' })
  eventTypes: string[];

  @Field(() => Date, { nullable: true, description: 'While set and in the future, the rotated-out secret still signs beside the new one.' })
  previousSecretExpiresAt: Date | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType({ description: 'An endpoint with its signing secret, shown this once (whsec_...).' })
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint)
  endpoint: WebhookEndpoint;

  @Field({ description: 'The signing secret: store it now, it is never shown again.' })
  secret: string;
}

@ObjectType()
export class DeleteWebhookEndpointPayload {
  @Field(() => ID)
  endpointId: string;
}

@ObjectType({ description: 'One event sent (or to be sent) to one endpoint.' })
export class WebhookDelivery {
  @Field(() => ID)
  deliveryId: string;

  @Field(() => ID, { description: 'The webhook-id header: the same for every endpoint and attempt of one event.' })
  messageId: string;

  @Field(() => ID)
  endpointId: string;

  @Field()
  eventType: string;

  @Field(() => ID, { nullable: true })
  userId: string | null;

  @Field({ description: '"pending", "delivered" or "failed" (retries exhausted).' })
  status: string;

  @Field(() => Int)
  attempts: number;

  @Field(() => Int, { nullable: true, description: "The last attempt's HTTP status, if it got an answer." })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true, description: "Why the last attempt failed (never the receiver's body)." })
  lastError: string | null;

  @Field()
  nextAttemptAt: Date;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt: Date | null;
}
