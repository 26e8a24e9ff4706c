import type { FastifyBaseLogger } from 'fastify';
import type { ContainerType } from 'type-graphql';
import type { AuthenticatedProject } from '../auth/project.service';
import { UnauthorizedCredentialsError as Unauthorized } from '../errors/error.catalogue';

export interface GatewayContext {
  /** The calling project, or null when the credentials are missing or wrong. */
  readonly project: AuthenticatedProject | null;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  /** This server's resolver instances (per server, never module-global). */
  readonly container: ContainerType;
}

/** The project of an authenticated request; @auth has already refused anonymous ones. */
export function projectOf(ctx: GatewayContext): AuthenticatedProject {
  if (!ctx.project) throw unauthorized();
  return ctx.project;
}

/** 401 for the HTTP response (Apollo lifts `extensions.http` into the status and strips it). */
export function unauthorized(): InstanceType<typeof Unauthorized> {
  return new Unauthorized({ details: { http: { status: 401 } } });
}
