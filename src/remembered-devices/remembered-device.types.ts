import { Field, ID, Int, ObjectType } from 'type-graphql';
import { User } from '../users/user.entity';
import { Session } from '../sessions/session.entity';

/** What authenticateRememberedDevice answers: the device used, the user, and the session when one was asked for. */
@ObjectType()
export class AuthenticateRememberedDevicePayload {
  @Field(() => ID)
  userId: string;

  @Field(() => ID)
  rememberedDeviceId: string;

  @Field(() => User)
  user: User;

  @Field(() => Session, { nullable: true })
  session: Session | null;

  @Field(() => String, { nullable: true })
  sessionToken: string | null;

  @Field(() => String, { nullable: true })
  sessionJwt: string | null;
}

/** What forgetRememberedDevice(s) answers: whose devices, and how many were forgotten. */
@ObjectType()
export class ForgetRememberedDevicesPayload {
  @Field(() => ID)
  userId: string;

  @Field(() => Int)
  forgotten: number;
}
