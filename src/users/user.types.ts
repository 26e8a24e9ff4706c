import { Field, ID, ObjectType } from 'type-graphql';
import { User } from './user.entity';
import { PageInfo } from '../graphql/page-info';

@ObjectType()
export class CreateUserPayload {
  @Field(() => ID)
  userId: string;

  @Field(() => User)
  user: User;
}

@ObjectType()
export class DeleteUserPayload {
  @Field(() => ID)
  userId: string;
}

@ObjectType()
export class UnlockUserPayload {
  @Field(() => ID)
  userId: string;

  @Field(() => User, { description: 'The user after the unlock: isLocked false, consecutiveFailures 0.' })
  user: User;
}

@ObjectType()
export class UpdateUserPayload {
  @Field(() => ID)
  userId: string;

  @Field(() => User, { description: 'The user after the update.' })
  user: User;
}

@ObjectType()
export class UserEdge {
  @Field()
  cursor: string;

  @Field(() => User)
  node: User;
}

/** A page of users (Relay cursor connection, https://relay.dev/graphql/connections.htm), oldest first. */
@ObjectType()
export class UserConnection {
  @Field(() => [UserEdge])
  edges: UserEdge[];

  @Field(() => [User], { description: 'The edges\' nodes, for clients that need no cursors.' })
  nodes: User[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
