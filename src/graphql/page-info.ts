import { Field, ObjectType } from 'type-graphql';

/** Relay cursor connection page info (https://relay.dev/graphql/connections.htm), shared by every paginated list (authEvents, users). */
@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field({ description: 'True when `after` was given (earlier items precede this page).' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next page.' })
  endCursor: string | null;
}
