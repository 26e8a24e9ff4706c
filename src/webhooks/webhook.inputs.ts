import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';

/** The most deliveries one query lists. */
const MAX_DELIVERIES_PAGE = 100;

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'https:// URL (http:// only to localhost or 127.0.0.1 outside production).' })
  url: string;

  @Field(() => [String], { nullable: true, description: 'Event types to receive; omitted or null: all of them.' })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  enabled?: boolean | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  endpointId: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the subscribed event types.' })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}

@ArgsType()
export class WebhookDeliveriesArgs {
  @Field(() => ID, { nullable: true, description: 'Only this endpoint’s deliveries.' })
  endpointId?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 20, description: `Newest first, at most ${MAX_DELIVERIES_PAGE}.` })
  @IsOptional()
  @Min(1)
  @Max(MAX_DELIVERIES_PAGE)
  first?: number | null;
}
