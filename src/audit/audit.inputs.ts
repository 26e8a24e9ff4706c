import { ArgsType, Field, ID, Int } from 'type-graphql';
import { PAGE_SIZE } from './audit.service';

@ArgsType()
export class AuthEventsArgs {
  @Field(() => ID)
  userId: string;

  @Field(() => Int, { nullable: true, defaultValue: PAGE_SIZE.default, description: `Page size, ${PAGE_SIZE.min}..${PAGE_SIZE.max}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'endCursor of the previous page: read the events older than it.' })
  after?: string | null;
}
