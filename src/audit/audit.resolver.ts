import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import { AuthEvent } from './auth-event.entity';
import { AuthEventConnection } from './audit.types';
import { AuthEventsArgs } from './audit.inputs';
import type { AuditService } from './audit.service';

@Resolver(() => AuthEvent)
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Authorized()
  @Query(() => AuthEventConnection, { description: "The user's authentication events (TOTP and recovery-code attempts, session revocations), newest first." })
  authEvents(@Args(() => AuthEventsArgs) { userId, first, after }: AuthEventsArgs, @Ctx() ctx: GatewayContext): Promise<AuthEventConnection> {
    return this.audit.list(projectOf(ctx).projectId, userId, { first, after });
  }
}
