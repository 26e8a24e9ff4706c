import { ArgsType, Field, ID, Int } from 'type-graphql';
import { IsOptional } from 'class-validator';
import { INVALID_PAGE_SIZE_MESSAGE, PAGE_SIZE, PAGE_SIZE_DESCRIPTION } from '../constants/audit.constants';
import { IntegerInRange } from '../graphql/validators';

@ArgsType()
export class AuthEventsArgs {
  @Field(() => ID)
  userId: string;

  @Field(() => Int, { nullable: true, defaultValue: PAGE_SIZE.default, description: PAGE_SIZE_DESCRIPTION })
  @IsOptional()
  @IntegerInRange(PAGE_SIZE, { context: { errorType: 'invalid_page_size', message: INVALID_PAGE_SIZE_MESSAGE } })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'endCursor of the previous page: read the events older than it.' })
  after?: string | null;
}
