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

@ObjectType()
export class UnlockUserPayload {
  @Field(() => ID)
  userId: string;

  @Field(() => User, { description: 'The user after the unlock: isLocked false, consecutiveFailures 0.' })
  user: User;
}
