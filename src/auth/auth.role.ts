// Who a caller is, for the `@auth` directive: the project's backend (SECRET) or a browser with a
// session (SESSION), read from the resolved Caller (caller.ts).
import type { Caller } from './caller';

/** Who may call a field (`@auth(requires: [...])`): a project's backend, or a browser with a session. */
export type AuthRole = 'SECRET' | 'SESSION';

/** The role of a caller, or null for an anonymous one (no or wrong credentials). */
export function roleOf(ctx: Pick<Caller, 'project' | 'session'>): AuthRole | null {
  if (!ctx.project) return null;
  return ctx.session ? 'SESSION' : 'SECRET';
}
