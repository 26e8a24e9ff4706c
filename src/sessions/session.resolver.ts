import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { projectOf, type GatewayContext } from '../graphql/context';
import { Session } from './session.entity';
import { AuthenticateSessionInput, RevokeSessionInput } from './session.inputs';
import { AuthenticateSessionPayload, RevokeSessionPayload } from './session.types';
import type { SessionService } from './session.service';

@Resolver(() => Session)
export class SessionResolver {
  constructor(private readonly service: SessionService) {}

  @Directive('@auth')
  @Query(() => [Session])
  sessions(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<Session[]> {
    return this.service.list(projectOf(ctx).projectId, userId);
  }

  @Directive('@auth')
  @Mutation(() => AuthenticateSessionPayload)
  authenticateSession(@Arg('input', () => AuthenticateSessionInput) input: AuthenticateSessionInput, @Ctx() ctx: GatewayContext): Promise<AuthenticateSessionPayload> {
    return this.service.authenticate(projectOf(ctx).projectId, input);
  }

  @Directive('@auth')
  @Mutation(() => RevokeSessionPayload)
  async revokeSession(@Arg('input', () => RevokeSessionInput) input: RevokeSessionInput, @Ctx() ctx: GatewayContext): Promise<RevokeSessionPayload> {
    return { sessionId: await this.service.revoke(projectOf(ctx).projectId, input, ctx.requestId) };
  }
}
