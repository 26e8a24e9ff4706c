import { Field, ID, InputType, Int } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { IsOptional } from 'class-validator';
import {
  CREATE_SESSION_DURATION_MINUTES_DESCRIPTION,
  CUSTOM_CLAIMS_DESCRIPTION,
  CUSTOM_CLAIMS_MAX_BYTES,
  isReservedClaim,
  SESSION_DURATION_MINUTES,
  SESSION_DURATION_MINUTES_DESCRIPTION,
} from '../constants/session.constants';
import { IntegerInRange, JsonObjectAtMost, NoReservedKeys } from '../graphql/validators';
import { AssuranceLevelEnum } from '../graphql/assurance.enums';
import type { AssuranceLevel } from '../constants/assurance.constants';
import { MAX_FACTOR_AGE_SECONDS } from '../constants/assurance.constants';

/** The session duration's bound, refused as INVALID_SESSION_DURATION_MINUTES. */
const ValidSessionDuration = () => IntegerInRange(SESSION_DURATION_MINUTES, { context: { code: 'INVALID_SESSION_DURATION_MINUTES' } });

/** Custom claims: reserved names (RFC 7519 §4.1), then size, each refused with its own code. */
function ValidCustomClaims() {
  const reserved = NoReservedKeys(isReservedClaim, { context: { code: 'RESERVED_CLAIMS_IN_CUSTOM_CLAIMS' } });
  const size = JsonObjectAtMost(CUSTOM_CLAIMS_MAX_BYTES, { context: { code: 'CUSTOM_CLAIMS_TOO_LARGE' } });
  return (target: object, property: string) => {
    reserved(target, property);
    size(target, property);
  };
}

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

  @Field(() => Int, { nullable: true, description: SESSION_DURATION_MINUTES_DESCRIPTION })
  @IsOptional()
  @ValidSessionDuration()
  sessionDurationMinutes?: number | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: CUSTOM_CLAIMS_DESCRIPTION })
  @IsOptional()
  @ValidCustomClaims()
  sessionCustomClaims?: Record<string, unknown> | null;
}

@InputType()
export class AuthenticateSessionInput extends SessionArgumentsInput {
  @Field(() => AssuranceLevelEnum, {
    nullable: true,
    description: "Answer SECOND_FACTOR_REQUIRED unless the session has reached this level. Default: AAL2 in a project whose mfaPolicy is REQUIRED, else AAL1.",
  })
  requireAssurance?: AssuranceLevel | null;

  @Field(() => Int, {
    nullable: true,
    description: `Answer FACTOR_TOO_OLD (with factorAgeSeconds) unless the newest factor meeting requireAssurance was proven at most this many seconds ago (${MAX_FACTOR_AGE_SECONDS.min}..${MAX_FACTOR_AGE_SECONDS.max}).`,
  })
  @IsOptional()
  @IntegerInRange(MAX_FACTOR_AGE_SECONDS, { context: { code: 'INVALID_MAX_FACTOR_AGE_SECONDS' } })
  maxFactorAgeSeconds?: number | null;
}

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

  @Field(() => Int, { description: CREATE_SESSION_DURATION_MINUTES_DESCRIPTION })
  @ValidSessionDuration()
  sessionDurationMinutes: number;

  @Field(() => GraphQLJSONObject, { nullable: true, description: CUSTOM_CLAIMS_DESCRIPTION })
  @IsOptional()
  @ValidCustomClaims()
  sessionCustomClaims?: Record<string, unknown> | null;
}
