// /v1/totps: create a TOTP, authenticate a code, recovery codes, recover, and delete a TOTP.
import { AuthenticateTotpInput, CreateTotpInput, RecoverTotpInput } from '../totp/totp.inputs';
import { input, route, sessionFields, str, type RestScope } from './rest.route';
import { authenticateView, recoveryCodesView, userView } from './rest.views';

/** Registers the TOTP routes on the /v1 scope. */
export function totpRoutes(scope: RestScope): void {
  const { totps } = scope.services;

  route(scope, 'POST', '/totps', async ({ project, body }) => {
    const created = await totps.create(
      project,
      await input(new CreateTotpInput(), {
        userId: str(body.user_id)!,
        expirationMinutes: body.expiration_minutes as number | undefined,
        label: str(body.label),
        algorithm: str(body.algorithm) as CreateTotpInput['algorithm'],
        digits: body.digits as number | undefined,
        period: body.period as number | undefined,
      }),
    );
    return {
      totp_id: created.totpId,
      secret: created.secret,
      qr_code: created.qrCode,
      recovery_codes: created.recoveryCodes,
      user_id: created.userId,
      user: userView(created.user),
      // Beyond Stytch's shape: the TOTP's label and parameters (as in the otpauth URI) and the compatibility note.
      label: created.label,
      algorithm: created.algorithm,
      digits: created.digits,
      period: created.period,
      compatibility: created.compatibility,
    };
  });

  route(scope, 'POST', '/totps/authenticate', async ({ project, body, requestId, receivedAtMs, userAgent }) =>
    authenticateView(
      await totps.authenticate(
        project.projectId,
        await input(new AuthenticateTotpInput(), {
          userId: str(body.user_id)!,
          totpCode: String(body.totp_code ?? ''),
          totpId: str(body.totp_id),
          rememberDeviceDays: body.remember_device_days as number | undefined,
          ...sessionFields(body),
        }),
        { requestId, receivedAtMs, userAgent },
      ),
    ),
  );

  route(scope, 'POST', '/totps/recovery_codes', async ({ project, body }) =>
    recoveryCodesView(str(body.user_id)!, await totps.recoveryCodes(project.projectId, body.user_id)),
  );

  route(scope, 'POST', '/totps/recover', async ({ project, body, requestId, userAgent }) =>
    authenticateView(
      await totps.recover(
        project.projectId,
        await input(new RecoverTotpInput(), {
          userId: str(body.user_id)!,
          recoveryCode: String(body.recovery_code ?? ''),
          rememberDeviceDays: body.remember_device_days as number | undefined,
          ...sessionFields(body),
        }),
        { requestId, userAgent },
      ),
    ),
  );

  route(scope, 'DELETE', '/users/totps/:totp_id', async ({ project, params }) => {
    // The user as the deletion's own transaction left them: no read after the commit (see TotpService.delete).
    const { userId, user } = await totps.delete(project.projectId, params.totp_id);
    return { user_id: userId, user: userView(user) };
  });
}
