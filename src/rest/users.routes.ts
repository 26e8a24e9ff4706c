// /v1/users: create, get, unlock (the gateway's own, not Stytch's) and delete a user.
import { CreateUserInput, UserNameInput } from '../users/user.inputs';
import { input, route, str, type RestBody, type RestScope } from './rest.route';
import { userView } from './rest.views';

/** Registers the user routes on the /v1 scope. */
export function userRoutes(scope: RestScope): void {
  const { users } = scope.services;

  route(scope, 'POST', '/users', async ({ project, body }) => {
    const name = body.name as RestBody | undefined;
    const user = await users.create(
      project.projectId,
      await input(new CreateUserInput(), {
        email: str(body.email),
        phoneNumber: str(body.phone_number),
        name: name ? Object.assign(new UserNameInput(), { firstName: str(name.first_name), middleName: str(name.middle_name), lastName: str(name.last_name) }) : undefined,
        externalId: str(body.external_id),
        trustedMetadata: body.trusted_metadata as Record<string, unknown> | undefined,
        untrustedMetadata: body.untrusted_metadata as Record<string, unknown> | undefined,
      }),
    );
    const view = userView(user);
    return { user_id: user.userId, user: view, email_id: view.emails[0]?.email_id ?? '', phone_id: view.phone_numbers[0]?.phone_id ?? '', status: user.status };
  });

  route(scope, 'GET', '/users/:user_id', async ({ project, params }) => userView(await users.get(project.projectId, params.user_id)));

  // Not in Stytch's API: the gateway's unlockUser (project secret only, as every /v1 route).
  route(scope, 'POST', '/users/:user_id/unlock', async ({ project, params, requestId }) => {
    const user = await users.unlock(project.projectId, params.user_id, requestId);
    return { user_id: user.userId, user: userView(user) };
  });

  route(scope, 'DELETE', '/users/:user_id', async ({ project, params }) => ({ user_id: await users.delete(project.projectId, params.user_id) }));
}
