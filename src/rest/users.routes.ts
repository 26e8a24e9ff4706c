// /v1/users: create, get, update, search, unlock (the gateway's own, not Stytch's) and delete a user.
import { CreateUserInput, UpdateUserInput, UserNameInput } from '../users/user.inputs';
import { queryOfStytchSearch } from '../users/user-search.query';
import { INVALID_SEARCH_LIMIT_MESSAGE, SEARCH_LIMIT } from '../constants/user.constants';
import { GatewayError } from '../errors/error.catalogue';
import { input, route, str, type RestBody, type RestScope } from './rest.route';
import { userView } from './rest.views';

/** Registers the user routes on the /v1 scope. */
export function userRoutes(scope: RestScope): void {
  const { users, userSearch } = scope.services;

  route(scope, 'POST', '/users', async ({ project, body }) => {
    const name = body.name as RestBody | undefined;
    const user = await users.create(
      project.projectId,
      await input(new CreateUserInput(), {
        email: str(body.email),
        phoneNumber: str(body.phone_number),
        name: nameInput(name),
        externalId: str(body.external_id),
        trustedMetadata: body.trusted_metadata as Record<string, unknown> | undefined,
        untrustedMetadata: body.untrusted_metadata as Record<string, unknown> | undefined,
      }),
      // Every /v1 route is the project's backend (HTTP Basic).
      { nameExisting: true },
    );
    const view = userView(user);
    return { user_id: user.userId, user: view, email_id: view.emails[0]?.email_id ?? '', phone_id: view.phone_numbers[0]?.phone_id ?? '', status: user.status };
  });

  route(scope, 'GET', '/users/:user_id', async ({ project, params }) => userView(await users.get(project.projectId, params.user_id)));

  // Stytch's Update User: returns the user as Stytch does (user_id, user, emails, phone_numbers, crypto_wallets).
  route(scope, 'PUT', '/users/:user_id', async ({ project, params, body }) => {
    const user = await users.update(
      project.projectId,
      await input(new UpdateUserInput(), {
        userId: params.user_id,
        name: nameInput(body.name as RestBody | undefined),
        externalId: str(body.external_id),
        trustedMetadata: body.trusted_metadata as Record<string, unknown> | undefined,
        untrustedMetadata: body.untrusted_metadata as Record<string, unknown> | undefined,
      }),
      { nameExisting: true },
    );
    const view = userView(user);
    return { user_id: user.userId, user: view, emails: view.emails, phone_numbers: view.phone_numbers, crypto_wallets: [] };
  });

  // Stytch's Search Users: results as GET /v1/users/:user_id shows each user; total and next_cursor (null on the last page).
  route(scope, 'POST', '/users/search', async ({ project, body }) => {
    const limit = body.limit ?? SEARCH_LIMIT.default;
    if (!Number.isInteger(limit) || (limit as number) < SEARCH_LIMIT.min || (limit as number) > SEARCH_LIMIT.max) {
      throw new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_page_size', message: INVALID_SEARCH_LIMIT_MESSAGE, details: { field: 'limit' } });
    }
    const cursor = str(body.cursor) || null;
    const page = await userSearch.search(project.projectId, queryOfStytchSearch(body.query), { size: limit as number, after: cursor, cursorField: 'cursor', withTotal: true });
    return { results: page.users.map(userView), results_metadata: { total: page.total, next_cursor: page.hasNextPage ? (page.cursors.at(-1) ?? null) : null } };
  });

  // Not in Stytch's API: the gateway's unlockUser (project secret only, as every /v1 route).
  route(scope, 'POST', '/users/:user_id/unlock', async ({ project, params, requestId }) => {
    const user = await users.unlock(project.projectId, params.user_id, requestId);
    return { user_id: user.userId, user: userView(user) };
  });

  route(scope, 'DELETE', '/users/:user_id', async ({ project, params }) => ({ user_id: await users.delete(project.projectId, params.user_id) }));
}

/** Stytch's `name` object as the GraphQL input (null and absent parts are left out). */
function nameInput(name: RestBody | null | undefined): UserNameInput | undefined {
  return name ? Object.assign(new UserNameInput(), { firstName: str(name.first_name), middleName: str(name.middle_name), lastName: str(name.last_name) }) : undefined;
}
