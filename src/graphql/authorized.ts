// `@Authorized(...roles)`: who may call a root field, typed (caller.policy.ts `AuthRole`), as
// type-graphql's own `@Authorized` names roles. It records the roles as the `@auth` directive in the
// schema, so clients see them in the SDL, and src/auth/auth.directive.ts enforces them (the whole
// operation at once, failing closed on a root field without it) rather than type-graphql's
// per-field authChecker, which can neither refuse a whole operation nor answer the gateway's errors.
import { Directive } from 'type-graphql';
import { DEFAULT_ROLES, type AuthRole } from './caller.policy';

/** The directive's name in the schema (`@auth(requires: [...])`). */
export const AUTH_DIRECTIVE = 'auth';

/** The directive's SDL for `roles`: bare `@auth` for the default (project credentials only). */
function authDirectiveSdl(roles: readonly AuthRole[]): string {
  const distinct = [...new Set(roles)];
  const isDefault = distinct.length === DEFAULT_ROLES.length && DEFAULT_ROLES.every((role) => distinct.includes(role));
  return isDefault ? `@${AUTH_DIRECTIVE}` : `@${AUTH_DIRECTIVE}(requires: [${distinct.join(', ')}])`;
}

/**
 * Opens a query or mutation to `roles`: none given, to a project secret only (SECRET); SESSION
 * admits a session caller too, under the argument rules of caller.policy.ts its resolver applies.
 */
export function Authorized(...roles: readonly AuthRole[]): MethodDecorator {
  return Directive(authDirectiveSdl(roles.length ? roles : DEFAULT_ROLES));
}
