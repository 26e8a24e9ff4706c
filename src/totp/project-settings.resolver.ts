import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import type { RateLimitConfig } from '../config';
import type { ProjectService } from '../projects/project.service';
import type { ProjectSettingsChange, ProjectSettingsService } from '../projects/project-settings.service';
import { AllowedOriginPayload, Project, ProjectRateLimit } from './project-settings.types';
import { AllowedOriginInput, UpdateProjectSettingsInput } from './project-settings.inputs';

/** The input as the service's change: a field left out or null stays as it is. */
const settingsChange = (input: UpdateProjectSettingsInput): ProjectSettingsChange => ({
  maxTotpsPerUser: input.maxTotpsPerUser ?? undefined,
  totpAlgorithm: input.totpAlgorithm ?? undefined,
  totpDigits: input.totpDigits ?? undefined,
  totpPeriodSeconds: input.totpPeriod ?? undefined,
  mfaPolicy: input.mfaPolicy ?? undefined,
  rememberDevices: input.rememberDevices ?? undefined,
  rememberedDeviceAal2: input.rememberedDeviceAal2 ?? undefined,
});

/**
 * The calling project's settings, read and changed with its project secret only (the default of
 * `@Authorized`, caller.policy.ts): the same changes the CLI's `project settings` and `project origins` make.
 */
@Resolver(() => Project)
export class ProjectSettingsResolver {
  constructor(
    private readonly settings: ProjectSettingsService,
    private readonly projects: ProjectService,
    private readonly rateLimits: RateLimitConfig,
  ) {}

  @Authorized()
  @Query(() => Project, { description: "The calling project: its public token, how many TOTPs a user may hold and the parameters new TOTPs get." })
  project(@Ctx() ctx: GatewayContext): Promise<Project> {
    return this.settings.get(projectOf(ctx).projectId);
  }

  @FieldResolver(() => [String], { description: 'Browser origins allowed to call with the public token (scheme://host[:port]), in order.' })
  allowedOrigins(@Root() project: Project): Promise<string[]> {
    return this.projects.listOrigins(project.projectId);
  }

  @FieldResolver(() => ProjectRateLimit, { description: "The deployment's request rate limits (read-only: set by RATE_LIMIT_* settings)." })
  rateLimit(): ProjectRateLimit {
    return { requestsPerMinute: this.rateLimits.requestsPerMinute, sessionRequestsPerMinute: this.rateLimits.sessionRequestsPerMinute };
  }

  @Authorized()
  @Mutation(() => Project, { description: "Changes the project's settings given: TOTP defaults (new enrollments only), MFA policy and remembered devices; returns the project." })
  updateProjectSettings(@Arg('input', () => UpdateProjectSettingsInput) input: UpdateProjectSettingsInput, @Ctx() ctx: GatewayContext): Promise<Project> {
    return this.settings.update(projectOf(ctx).projectId, settingsChange(input));
  }

  @Authorized()
  @Mutation(() => AllowedOriginPayload, { description: 'Allows a browser origin to call with the public token (a session caller); adding one already allowed changes nothing.' })
  async addAllowedOrigin(@Arg('input', () => AllowedOriginInput) { origin }: AllowedOriginInput, @Ctx() ctx: GatewayContext): Promise<AllowedOriginPayload> {
    const { projectId } = projectOf(ctx);
    return { origin: await this.projects.addOrigin(projectId, origin), allowedOrigins: await this.projects.listOrigins(projectId) };
  }

  @Authorized()
  @Mutation(() => AllowedOriginPayload, { description: 'Stops a browser origin calling with the public token, at once (ORIGIN_NOT_FOUND when it is not allowed).' })
  async removeAllowedOrigin(@Arg('input', () => AllowedOriginInput) { origin }: AllowedOriginInput, @Ctx() ctx: GatewayContext): Promise<AllowedOriginPayload> {
    const { projectId } = projectOf(ctx);
    return { origin: await this.projects.removeOrigin(projectId, origin), allowedOrigins: await this.projects.listOrigins(projectId) };
  }
}
