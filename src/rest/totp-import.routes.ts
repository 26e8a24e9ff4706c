// POST /v1/totps/migrate: the import of an existing TOTP registration, shaped like Stytch's B2B
// `POST /v1/b2b/totp/migrate` (https://stytch.com/docs/b2b/api/totp-migrate) with a `user_id` for
// its `member_id`/`organization_id`, plus the gateway's optional otpauth_uri, label, algorithm,
// digits, period and verified. The rules are importTotp's (totp-import.rules.ts).
import { route, str, type RestScope } from './rest.route';
import { userView } from './rest.views';

/** Registers the import route on the /v1 scope. */
export function totpImportRoutes(scope: RestScope): void {
  const { totpImports } = scope.services;

  route(scope, 'POST', '/totps/migrate', async ({ project, body }) => {
    const imported = await totpImports.importOne(project.projectId, str(body.user_id), {
      secret: str(body.secret),
      otpauthUri: str(body.otpauth_uri),
      label: str(body.label),
      algorithm: str(body.algorithm),
      digits: body.digits as number | null | undefined,
      period: body.period as number | null | undefined,
      recoveryCodes: body.recovery_codes as string[] | null | undefined,
      verified: body.verified as boolean | null | undefined,
    });
    return { totp_id: imported.totpId, user_id: imported.userId, user: userView(imported.user), recovery_codes: imported.recoveryCodes };
  });
}
