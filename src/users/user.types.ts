import { Field, ID, ObjectType } from 'type-graphql';
import { User } from './user.entity';

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
