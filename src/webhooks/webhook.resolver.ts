import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import type { WebhookEndpointService } from './webhook-endpoint.service';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput, WebhookDeliveriesArgs } from './webhook.inputs';
import { DeleteWebhookEndpointPayload, WebhookDelivery, WebhookEndpoint, WebhookEndpointSecretPayload } from './webhook.types';

/** Webhook endpoints and deliveries: the project's backend only (project secret; @Authorized's default). */
@Resolver()
export class WebhookResolver {
  constructor(private readonly webhooks: WebhookEndpointService) {}

  @Authorized()
  @Query(() => [WebhookEndpoint], { description: "The project's webhook endpoints, oldest first." })
  webhookEndpoints(@Ctx() ctx: GatewayContext): Promise<WebhookEndpoint[]> {
    return this.webhooks.list(projectOf(ctx).projectId);
  }

  @Authorized()
  @Query(() => [WebhookDelivery], { description: "The project's recent webhook deliveries (of one endpoint, if given), newest first." })
  webhookDeliveries(@Args(() => WebhookDeliveriesArgs) { endpointId, first }: WebhookDeliveriesArgs, @Ctx() ctx: GatewayContext): Promise<WebhookDelivery[]> {
    return this.webhooks.deliveries(projectOf(ctx).projectId, endpointId, first);
  }

  @Authorized()
  @Mutation(() => WebhookEndpointSecretPayload, { description: 'Adds a webhook endpoint; its signing secret is in the answer, once.' })
  createWebhookEndpoint(@Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput, @Ctx() ctx: GatewayContext): Promise<WebhookEndpointSecretPayload> {
    return this.webhooks.create(projectOf(ctx).projectId, input);
  }

  @Authorized()
  @Mutation(() => WebhookEndpoint)
  updateWebhookEndpoint(@Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput, @Ctx() ctx: GatewayContext): Promise<WebhookEndpoint> {
    return this.webhooks.update(projectOf(ctx).projectId, input);
  }

  @Authorized()
  @Mutation(() => DeleteWebhookEndpointPayload)
  async deleteWebhookEndpoint(@Arg('endpointId', () => ID) endpointId: string, @Ctx() ctx: GatewayContext): Promise<DeleteWebhookEndpointPayload> {
    return { endpointId: await this.webhooks.delete(projectOf(ctx).projectId, endpointId) };
  }

  @Authorized()
  @Mutation(() => WebhookEndpointSecretPayload, { description: 'A new signing secret (in the answer, once); the previous one keeps signing beside it for WEBHOOK_SECRET_OVERLAP_SECONDS.' })
  rotateWebhookEndpointSecret(@Arg('endpointId', () => ID) endpointId: string, @Ctx() ctx: GatewayContext): Promise<WebhookEndpointSecretPayload> {
    return this.webhooks.rotateSecret(projectOf(ctx).projectId, endpointId);
  }

  @Authorized()
  @Mutation(() => WebhookDelivery, { description: 'Sends a past delivery again, as a new delivery of the same message (same webhook-id).' })
  replayWebhookDelivery(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() ctx: GatewayContext): Promise<WebhookDelivery> {
    return this.webhooks.replay(projectOf(ctx).projectId, deliveryId);
  }
}
