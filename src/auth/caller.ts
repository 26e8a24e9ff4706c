// Who is calling, from the request headers. Two kinds of caller:
// - a project's backend: `Authorization: Basic base64(projectId:secret)`;
// - a browser: `X-Public-Token: public-token-<uuid>` (names the project, opens nothing by itself) and
//   `Authorization: Bearer <sessionJwt or sessionToken>` of a live session of that project. When the
//   request carries an `Origin` (every browser request does), it must be one the project allows, so
//   a page on another site cannot ride a session it got hold of.
import type { ProjectService, ProjectRef } from '../projects/project.service';
import type { SessionService } from '../sessions/session.service';
import type { SessionCaller } from '../graphql/caller.types';
import { parseOrigin } from '../projects/origin';
import { ERROR_CATALOGUE } from '../errors/error.catalogue';

export const PUBLIC_TOKEN_HEADER = 'x-public-token';
/** RFC 6750 §2.1 b64token after one or more spaces (RFC 7235 §2.1). */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;
/** What a refused browser is told: the public token opens nothing alone. */
const SESSION_REFUSAL =
  'Send X-Public-Token with a live session of its project as Authorization: Bearer <sessionJwt or sessionToken>, from an origin the project allows; if the session expired or was revoked, sign in again.';

export interface CallerHeaders {
  readonly authorization?: string;
  readonly publicToken?: string;
  readonly origin?: string;
}

export interface Caller {
  readonly project: ProjectRef | null;
  readonly session: SessionCaller | null;
  /** The request's origin when the project it named allows it: the one CORS may answer. */
  readonly corsOrigin: string | null;
  /** Set when credentials were sent and are wrong: what the caller is told (it then runs no operation). */
  readonly refusal?: string;
}

export const ANONYMOUS_CALLER: Caller = { project: null, session: null, corsOrigin: null };
const REFUSED_BROWSER: Caller = { ...ANONYMOUS_CALLER, refusal: SESSION_REFUSAL };
/** Sent Authorization that proves no project (the catalogue's own message: send valid project credentials). */
const REFUSED_BACKEND: Caller = { ...ANONYMOUS_CALLER, refusal: ERROR_CATALOGUE.UNAUTHORIZED_CREDENTIALS.message };

export class CallerResolver {
  constructor(
    private readonly projects: ProjectService,
    private readonly sessions: SessionService,
  ) {}

  /**
   * The caller the headers prove. Credentials that were sent and prove nothing (a wrong secret, a
   * malformed Authorization, a public token without a live session) give a caller with `refusal`
   * set, which runs no operation at all; no Authorization and no public token give the anonymous one.
   */
  async resolve(headers: CallerHeaders): Promise<Caller> {
    const authorization = headers.authorization?.trim() ?? '';
    if (/^Basic /i.test(authorization)) {
      const project = await this.projects.authenticateBasic(headers.authorization);
      return project ? { ...ANONYMOUS_CALLER, project } : REFUSED_BACKEND;
    }
    if (headers.publicToken === undefined) return authorization ? REFUSED_BACKEND : ANONYMOUS_CALLER;
    const project = await this.projects.byPublicToken(headers.publicToken);
    if (!project) return REFUSED_BROWSER;
    let corsOrigin: string | null = null;
    if (headers.origin !== undefined) {
      const origin = parseOrigin(headers.origin);
      if (!origin || !(await this.projects.originAllowed(origin, project.projectId))) return REFUSED_BROWSER;
      corsOrigin = origin;
    }
    const bearer = BEARER.exec(headers.authorization?.trim() ?? '')?.[1];
    const session = bearer ? await this.sessions.callerOf(project, bearer) : null;
    return session ? { project, session, corsOrigin } : { ...REFUSED_BROWSER, corsOrigin };
  }
}
