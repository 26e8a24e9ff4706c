import { Field, ID, InputType, Int } from 'type-graphql';
import { IsOptional } from 'class-validator';
import { DEFAULT_TOTP_LABEL, EXPIRATION_MINUTES, EXPIRATION_MINUTES_DESCRIPTION, TOTP_LABEL_CHARS, type TotpAlgorithm } from '../constants/totp.constants';
import { TotpAlgorithmEnum } from '../graphql/totp-algorithm.enum';
import { IntegerInRange } from '../graphql/validators';
import { SessionArgumentsInput } from '../sessions/session.inputs';
import { REMEMBER_DEVICE_DAYS } from '../constants/assurance.constants';

/** rememberDeviceDays on authenticateTotp and recoverTotp: its bound, refused as INVALID_REMEMBER_DEVICE_DAYS. */
const REMEMBER_DEVICE_DAYS_DESCRIPTION = `Also remember this device for this many days (${REMEMBER_DEVICE_DAYS.min}..${REMEMBER_DEVICE_DAYS.max}), answering a deviceToken; the project must allow it (rememberDevices).`;
const ValidRememberDeviceDays = () => IntegerInRange(REMEMBER_DEVICE_DAYS, { context: { code: 'INVALID_REMEMBER_DEVICE_DAYS' } });

@InputType()
export class CreateTotpInput {
  @Field(() => ID)
  userId: string;

  @Field(() => Int, { nullable: true, description: EXPIRATION_MINUTES_DESCRIPTION })
  @IsOptional()
  @IntegerInRange(EXPIRATION_MINUTES, { context: { code: 'INVALID_EXPIRATION' } })
  expirationMinutes?: number | null;

  // The label and the parameters are checked by the service (totp-parameters.rules.ts), which the REST
  // facade shares: INVALID_TOTP_LABEL, INVALID_TOTP_PARAMETERS, before anything is written.
  @Field(() => String, {
    nullable: true,
    description: `What the user calls this authenticator, ${TOTP_LABEL_CHARS.min}..${TOTP_LABEL_CHARS.max} characters once trimmed (default "${DEFAULT_TOTP_LABEL}").`,
  })
  label?: string | null;

  @Field(() => TotpAlgorithmEnum, { nullable: true, description: "The HMAC hash (RFC 6238 §1.2); default: the project's (SHA1 unless set)." })
  algorithm?: TotpAlgorithm | null;

  @Field(() => Int, { nullable: true, description: "Digits in a code, 6 or 8; default: the project's (6 unless set)." })
  digits?: number | null;

  @Field(() => Int, { nullable: true, description: "Seconds a code lasts (the RFC 6238 time step), 30 or 60; default: the project's (30 unless set)." })
  period?: number | null;
}

@InputType()
export class RenameTotpInput {
  @Field(() => ID)
  totpId: string;

  @Field({ description: `The new label, ${TOTP_LABEL_CHARS.min}..${TOTP_LABEL_CHARS.max} characters once trimmed.` })
  label: string;
}

@InputType()
export class AuthenticateTotpInput extends SessionArgumentsInput {
  @Field(() => ID)
  userId: string;

  @Field({ description: 'The code the authenticator app shows (6 digits, or 8 for a TOTP created so); spaces, hyphens and dots between digits are ignored.' })
  totpCode: string;

  @Field(() => ID, {
    nullable: true,
    description: "Judge the code against this TOTP only. Without it, a code of any of the user's verified TOTPs (or of their pending ones) is accepted.",
  })
  totpId?: string | null;

  @Field(() => Int, { nullable: true, description: REMEMBER_DEVICE_DAYS_DESCRIPTION })
  @IsOptional()
  @ValidRememberDeviceDays()
  rememberDeviceDays?: number | null;
}

@InputType()
export class RecoverTotpInput extends SessionArgumentsInput {
  @Field(() => ID)
  userId: string;

  @Field({ description: 'One of the recovery codes, xxxx-xxxx-xxxx, in any case, with or without separators; each works once.' })
  recoveryCode: string;

  @Field(() => Int, { nullable: true, description: REMEMBER_DEVICE_DAYS_DESCRIPTION })
  @IsOptional()
  @ValidRememberDeviceDays()
  rememberDeviceDays?: number | null;
}
