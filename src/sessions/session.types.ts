import { Field, ID, ObjectType } from 'type-graphql';
import { User } from '../users/user.entity';
import { Session } from './session.entity';

@ObjectType()
export class AuthenticateSessionPayload {
  @Field(() => Session)
  session: Session;

  @Field(() => String, { nullable: true, description: 'The opaque token, when the request gave it; null when it gave a JWT.' })
  sessionToken: string | null;

  @Field()
  sessionJwt: string;

  @Field(() => User)
  user: User;
}

/** What a session caller may read about itself. */
@ObjectType()
export class Me {
  @Field(() => ID)
  userId: string;

  @Field(() => User)
  user: User;

  @Field(() => Session)
  session: Session;
}

/** A new session: what `me` would show, plus its credentials (the token only this once). */
@ObjectType()
export class CreateSessionPayload extends Me {
  @Field()
  sessionToken: string;

  @Field()
  sessionJwt: string;
}

@ObjectType()
export class RevokeSessionPayload {
  @Field(() => ID)
  sessionId: string;
}

/** A session as issued to the caller: the row, its token (when known) and a fresh JWT. */
export interface IssuedSession {
  session: Session;
  sessionToken: string | null;
  sessionJwt: string;
}
