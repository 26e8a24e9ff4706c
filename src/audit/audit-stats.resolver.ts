import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import { STATS_WINDOW_MINUTES } from '../constants/audit.constants';
import { AuthEventStats, AuthEventStatsArgs } from './audit-stats.types';
import type { AuditStatsService } from './audit-stats.service';

@Resolver()
export class AuditStatsResolver {
  constructor(private readonly stats: AuditStatsService) {}

  /** Project credentials only: the whole project's trail, for an operator's overview. */
  @Authorized()
  @Query(() => AuthEventStats, { description: "The project's authentication events counted per minute and outcome over the last sinceMinutes minutes." })
  authEventStats(@Args(() => AuthEventStatsArgs) { sinceMinutes }: AuthEventStatsArgs, @Ctx() ctx: GatewayContext): Promise<AuthEventStats> {
    return this.stats.perMinute(projectOf(ctx).projectId, sinceMinutes ?? STATS_WINDOW_MINUTES.default);
  }
}
