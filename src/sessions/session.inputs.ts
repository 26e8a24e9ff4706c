import { Field, ID, InputType, Int } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

/**
 * The session arguments every authenticating mutation accepts (Stytch's session_* parameters).
 * Never referenced itself, so never emitted: concrete inputs inherit these fields.
 */
@InputType()
export abstract class SessionArgumentsInput {
  @Field(() => String, { nullable: true, description: 'Add this factor to the session with this token.' })
  sessionToken?: string | null;

  @Field(() => String, { nullable: true, description: 'Add this factor to the session of this JWT (it may have expired).' })
  sessionJwt?: string | null;

  @Field(() => Int, { nullable: true, description: 'Start a session (or extend the given one) for this many minutes: 5..527040.' })
  sessionDurationMinutes?: number | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Extra top-level JWT claims, at most 4 KiB; registered and https://stytch.com/ claims are refused.' })
  sessionCustomClaims?: Record<string, unknown> | null;
}

@InputType()
export class AuthenticateSessionInput extends SessionArgumentsInput {}

/** A session caller gives none of these: it revokes its own session. */
@InputType()
export class RevokeSessionInput {
  @Field(() => String, { nullable: true })
  sessionId?: string | null;

  @Field(() => String, { nullable: true })
  sessionToken?: string | null;

  @Field(() => String, { nullable: true })
  sessionJwt?: string | null;
}

/** createSession: the project's backend has proven a first factor itself (password, SSO, ...). */
@InputType()
export class CreateSessionInput {
  @Field(() => ID)
  userId: string;

  @Field(() => Int, { description: 'How long the session lasts: 5..527040 minutes.' })
  sessionDurationMinutes: number;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Extra top-level JWT claims, at most 4 KiB; registered and https://stytch.com/ claims are refused.' })
  sessionCustomClaims?: Record<string, unknown> | null;
}
