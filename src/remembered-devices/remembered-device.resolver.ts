import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { ownSessionInput, projectOf, type GatewayContext } from '../graphql/context';
import { RememberedDevice } from './remembered-device.entity';
import { AuthenticateRememberedDeviceInput } from './remembered-device.inputs';
import { AuthenticateRememberedDevicePayload, ForgetRememberedDevicesPayload } from './remembered-device.types';
import type { RememberedDeviceService } from './remembered-device.service';

@Resolver(() => RememberedDevice)
export class RememberedDeviceResolver {
  constructor(private readonly devices: RememberedDeviceService) {}

  @Authorized()
  @Query(() => [RememberedDevice], { description: "The user's live remembered devices (created, last used, User-Agent)." })
  rememberedDevices(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<RememberedDevice[]> {
    return this.devices.list(projectOf(ctx).projectId, userId);
  }

  @Authorized('SECRET', 'SESSION')
  @Mutation(() => AuthenticateRememberedDevicePayload, {
    description: 'Accepts a device token (from rememberDeviceDays) in place of a TOTP code: adds a remembered_device factor; a wrong or expired token counts as a failed attempt.',
  })
  authenticateRememberedDevice(
    @Arg('input', () => AuthenticateRememberedDeviceInput) input: AuthenticateRememberedDeviceInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<AuthenticateRememberedDevicePayload> {
    return this.devices.authenticate(projectOf(ctx).projectId, ownSessionInput(ctx, input), { requestId: ctx.requestId, userAgent: ctx.userAgent, caller: ctx.session });
  }

  @Authorized()
  @Mutation(() => ForgetRememberedDevicesPayload, { description: 'Forgets one remembered device: its token no longer authenticates.' })
  forgetRememberedDevice(@Arg('rememberedDeviceId', () => ID) rememberedDeviceId: string, @Ctx() ctx: GatewayContext): Promise<ForgetRememberedDevicesPayload> {
    return this.devices.forget(projectOf(ctx).projectId, rememberedDeviceId, ctx.requestId);
  }

  @Authorized()
  @Mutation(() => ForgetRememberedDevicesPayload, { description: "Forgets every remembered device of the user." })
  forgetRememberedDevices(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<ForgetRememberedDevicesPayload> {
    return this.devices.forgetAll(projectOf(ctx).projectId, userId, ctx.requestId);
  }
}
