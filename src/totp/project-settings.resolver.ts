import { Ctx, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import type { ProjectSettingsService } from '../projects/project-settings.service';
import { Project } from './project-settings.types';

@Resolver()
export class ProjectSettingsResolver {
  constructor(private readonly settings: ProjectSettingsService) {}

  /** The calling project's settings (project secret only): its TOTP limit per user and TOTP defaults. */
  @Authorized()
  @Query(() => Project, { description: "The calling project: its public token, how many TOTPs a user may hold and the parameters new TOTPs get." })
  project(@Ctx() ctx: GatewayContext): Promise<Project> {
    return this.settings.get(projectOf(ctx).projectId);
  }
}
