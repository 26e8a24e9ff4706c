// Who a caller is, for the `@auth` directive: the project's backend (SECRET) or a browser with a
// session (SESSION). Here, below the GraphQL layer, so the directive needs nothing from graphql/.
import type { Caller } from './caller';
import { UnauthorizedCredentialsError as Unauthorized } from '../errors/error.catalogue';

/** Who may call a field (`@auth(requires: [...])`): a project's backend, or a browser with a session. */
export type AuthRole = 'SECRET' | 'SESSION';

/** The role of a caller, or null for an anonymous one (no or wrong credentials). */
export function roleOf(ctx: Pick<Caller, 'project' | 'session'>): AuthRole | null {
  if (!ctx.project) return null;
  return ctx.session ? 'SESSION' : 'SECRET';
}

/** 401 for the HTTP response (Apollo lifts `extensions.http` into the status and strips it). */
export function unauthorized(message?: string): InstanceType<typeof Unauthorized> {
  return new Unauthorized({ message, details: { http: { status: 401 } } });
}
