// /v1/remembered_devices (beyond Stytch): authenticate with a device token, list a user's devices,
// forget one or all of a user's. Issued by POST /v1/totps/authenticate and /v1/totps/recover with remember_device_days.
import { AuthenticateRememberedDeviceInput } from '../remembered-devices/remembered-device.inputs';
import { input, route, sessionFields, str, type RestScope } from './rest.route';
import { rememberedDeviceView, sessionView, userView } from './rest.views';

/** Registers the remembered-device routes on the /v1 scope. */
export function rememberedDeviceRoutes(scope: RestScope): void {
  const { rememberedDevices } = scope.services;

  route(scope, 'POST', '/remembered_devices/authenticate', async ({ project, body, requestId, userAgent }) => {
    const result = await rememberedDevices.authenticate(
      project.projectId,
      await input(new AuthenticateRememberedDeviceInput(), { userId: str(body.user_id)!, deviceToken: String(body.device_token ?? ''), ...sessionFields(body) }),
      { requestId, userAgent },
    );
    return {
      user_id: result.userId,
      remembered_device_id: result.rememberedDeviceId,
      user: userView(result.user),
      session: result.session ? sessionView(result.session) : null,
      session_token: result.sessionToken ?? '',
      session_jwt: result.sessionJwt ?? '',
    };
  });

  route(scope, 'GET', '/remembered_devices', async ({ project, query }) => ({
    remembered_devices: (await rememberedDevices.list(project.projectId, query.user_id)).map(rememberedDeviceView),
  }));

  route(scope, 'DELETE', '/remembered_devices', async ({ project, query, requestId }) => {
    const { userId, forgotten } = await rememberedDevices.forgetAll(project.projectId, query.user_id, requestId);
    return { user_id: userId, forgotten };
  });

  route(scope, 'DELETE', '/remembered_devices/:remembered_device_id', async ({ project, params, requestId }) => {
    const { userId, forgotten } = await rememberedDevices.forget(project.projectId, params.remembered_device_id, requestId);
    return { user_id: userId, forgotten };
  });
}
