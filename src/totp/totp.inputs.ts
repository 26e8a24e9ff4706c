import { Field, ID, InputType, Int } from 'type-graphql';
import { IsOptional } from 'class-validator';
import { EXPIRATION_MINUTES, EXPIRATION_MINUTES_DESCRIPTION } from '../constants/totp.constants';
import { IntegerInRange } from '../graphql/validators';
import { SessionArgumentsInput } from '../sessions/session.inputs';

@InputType()
export class CreateTotpInput {
  @Field(() => ID)
  userId: string;

  @Field(() => Int, { nullable: true, description: EXPIRATION_MINUTES_DESCRIPTION })
  @IsOptional()
  @IntegerInRange(EXPIRATION_MINUTES, { context: { code: 'INVALID_EXPIRATION' } })
  expirationMinutes?: number | null;
}

@InputType()
export class AuthenticateTotpInput extends SessionArgumentsInput {
  @Field(() => ID)
  userId: string;

  @Field({ description: 'The 6-digit code the authenticator app shows; spaces, hyphens and dots between digits are ignored.' })
  totpCode: string;
}

@InputType()
export class RecoverTotpInput extends SessionArgumentsInput {
  @Field(() => ID)
  userId: string;

  @Field({ description: 'One of the recovery codes, xxxx-xxxx-xxxx, in any case, with or without separators; each works once.' })
  recoveryCode: string;
}
