import { Field, ObjectType } from 'type-graphql';
import { AuthEvent } from './auth-event.entity';

/** Relay cursor connection types (https://relay.dev/graphql/connections.htm). */
@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field({ description: 'True when `after` was given (newer events precede this page).' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next (older) page.' })
  endCursor: string | null;
}

@ObjectType()
export class AuthEventEdge {
  @Field()
  cursor: string;

  @Field(() => AuthEvent)
  node: AuthEvent;
}

@ObjectType()
export class AuthEventConnection {
  @Field(() => [AuthEventEdge])
  edges: AuthEventEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
