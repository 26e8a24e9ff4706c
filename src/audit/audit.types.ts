import { Field, ObjectType } from 'type-graphql';
import { AuthEvent } from './auth-event.entity';
import { PageInfo } from '../graphql/page-info';

export { PageInfo };

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
