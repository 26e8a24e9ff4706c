import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { ownRevokeInput, projectOf, sessionOf, type GatewayContext } from '../graphql/context';
import { Session } from './session.entity';
import { AuthenticateSessionInput, CreateSessionInput, RevokeSessionInput } from './session.inputs';
import { AuthenticateSessionPayload, CreateSessionPayload, Me, RevokeSessionPayload } from './session.types';
import type { SessionService } from './session.service';

@Resolver(() => Session)
export class SessionResolver {
  constructor(private readonly service: SessionService) {}

  @Authorized()
  @Query(() => [Session])
  sessions(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<Session[]> {
    return this.service.list(projectOf(ctx).projectId, userId);
  }

  @Authorized('SESSION')
  @Query(() => Me, { description: "A session caller's own user and session." })
  me(@Ctx() ctx: GatewayContext): Promise<Me> {
    return this.service.me(projectOf(ctx).projectId, sessionOf(ctx));
  }

  @Authorized()
  @Mutation(() => CreateSessionPayload, { description: "Starts a session for a user whose first factor the project's backend proved itself (recorded as external/backend)." })
  createSession(@Arg('input', () => CreateSessionInput) input: CreateSessionInput, @Ctx() ctx: GatewayContext): Promise<CreateSessionPayload> {
    return this.service.start(projectOf(ctx).projectId, input, ctx.requestId);
  }

  @Authorized()
  @Mutation(() => AuthenticateSessionPayload)
  authenticateSession(@Arg('input', () => AuthenticateSessionInput) input: AuthenticateSessionInput, @Ctx() ctx: GatewayContext): Promise<AuthenticateSessionPayload> {
    return this.service.authenticate(projectOf(ctx), input);
  }

  @Authorized('SECRET', 'SESSION')
  @Mutation(() => RevokeSessionPayload)
  async revokeSession(@Arg('input', () => RevokeSessionInput) input: RevokeSessionInput, @Ctx() ctx: GatewayContext): Promise<RevokeSessionPayload> {
    return { sessionId: await this.service.revoke(projectOf(ctx).projectId, ownRevokeInput(ctx, input), ctx.requestId) };
  }
}
