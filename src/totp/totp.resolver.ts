import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, ID, Info, Mutation, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { ownInput, ownSessionInput, ownUserWithSecondFactor, projectOf, type GatewayContext } from '../graphql/context';
import { selectsField } from '../graphql/selection';
import { AuthenticateTotpInput, CreateTotpInput, RecoverTotpInput, RenameTotpInput } from './totp.inputs';
import { AuthenticatePayload, CreateTotpPayload, DeleteTotpPayload, RenameTotpPayload, TotpRecoveryCodes } from './totp.types';
import type { TotpService } from './totp.service';

@Resolver()
export class TotpResolver {
  constructor(private readonly totps: TotpService) {}

  @Authorized()
  @Query(() => [TotpRecoveryCodes])
  totpRecoveryCodes(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<TotpRecoveryCodes[]> {
    return this.totps.recoveryCodes(projectOf(ctx).projectId, userId);
  }

  @Authorized('SECRET', 'SESSION')
  @Mutation(() => CreateTotpPayload)
  createTotp(@Arg('input', () => CreateTotpInput) input: CreateTotpInput, @Ctx() ctx: GatewayContext): Promise<CreateTotpPayload> {
    return this.totps.create(projectOf(ctx), ownInput(ctx, input), ctx.session);
  }

  @Authorized('SECRET', 'SESSION')
  @Mutation(() => AuthenticatePayload)
  authenticateTotp(@Arg('input', () => AuthenticateTotpInput) input: AuthenticateTotpInput, @Ctx() ctx: GatewayContext, @Info() info: GraphQLResolveInfo): Promise<AuthenticatePayload> {
    return this.totps.authenticate(projectOf(ctx).projectId, ownSessionInput(ctx, input), { requestId: ctx.requestId, receivedAtMs: ctx.receivedAtMs, caller: ctx.session, userAgent: ctx.userAgent, withUser: selectsField(info, 'user') });
  }

  @Authorized('SECRET', 'SESSION')
  @Mutation(() => AuthenticatePayload)
  recoverTotp(@Arg('input', () => RecoverTotpInput) input: RecoverTotpInput, @Ctx() ctx: GatewayContext, @Info() info: GraphQLResolveInfo): Promise<AuthenticatePayload> {
    return this.totps.recover(projectOf(ctx).projectId, ownSessionInput(ctx, input), { requestId: ctx.requestId, caller: ctx.session, userAgent: ctx.userAgent, withUser: selectsField(info, 'user') });
  }

  @Authorized('SECRET', 'SESSION')
  @Mutation(() => TotpRecoveryCodes)
  regenerateTotpRecoveryCodes(
    @Arg('userId', () => ID) userId: string,
    @Arg('totpId', () => ID, { nullable: true, description: "The TOTP whose codes to replace; default: the user's newest verified TOTP, else their newest pending one." })
    totpId: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<TotpRecoveryCodes> {
    return this.totps.regenerateRecoveryCodes(projectOf(ctx).projectId, ownUserWithSecondFactor(ctx, userId), totpId);
  }

  @Authorized()
  @Mutation(() => RenameTotpPayload, { description: "Changes a TOTP's label (what the user calls the device)." })
  renameTotp(@Arg('input', () => RenameTotpInput) input: RenameTotpInput, @Ctx() ctx: GatewayContext): Promise<RenameTotpPayload> {
    return this.totps.rename(projectOf(ctx).projectId, input);
  }

  @Authorized()
  @Mutation(() => DeleteTotpPayload)
  deleteTotp(@Arg('totpId', () => ID) totpId: string, @Ctx() ctx: GatewayContext): Promise<DeleteTotpPayload> {
    return this.totps.delete(projectOf(ctx).projectId, totpId);
  }
}
