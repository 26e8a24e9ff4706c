import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { IsOptional } from 'class-validator';
import { INVALID_STATS_WINDOW_MESSAGE, STATS_WINDOW_MINUTES } from '../constants/audit.constants';
import { IntegerInRange } from '../graphql/validators';

/** The attempts of one outcome in one minute of the project's audit trail. */
@ObjectType()
export class AuthEventMinute {
  @Field({ description: 'The start of the minute (UTC).' })
  minute: Date;

  @Field(() => String, { description: 'The events\' outcome, as AuthEvent.outcome ("success", "failure", "replay", "locked", ...).' })
  outcome: string;

  @Field(() => Int, { description: 'Attempts of this outcome in this minute (a "locked" event counts every refused attempt it stands for).' })
  count: number;
}

/** The project's audit trail counted per minute and outcome, for an overview chart. */
@ObjectType()
export class AuthEventStats {
  @Field({ description: 'The start of the first minute counted; minutes without events are left out of `minutes`.' })
  since: Date;

  @Field(() => [AuthEventMinute], { description: 'Oldest minute first; within a minute, outcomes in alphabetical order.' })
  minutes: AuthEventMinute[];
}

@ArgsType()
export class AuthEventStatsArgs {
  @Field(() => Int, {
    nullable: true,
    defaultValue: STATS_WINDOW_MINUTES.default,
    description: `Minutes to look back, ${STATS_WINDOW_MINUTES.min}..${STATS_WINDOW_MINUTES.max}, the current minute included.`,
  })
  @IsOptional()
  @IntegerInRange(STATS_WINDOW_MINUTES, { context: { errorType: 'invalid_stats_window', message: INVALID_STATS_WINDOW_MESSAGE } })
  sinceMinutes?: number | null;
}
