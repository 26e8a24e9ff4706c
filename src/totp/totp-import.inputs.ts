import { Field, ID, InputType, Int } from 'type-graphql';
import { TotpAlgorithmEnum } from '../graphql/totp-algorithm.enum';
import type { TotpAlgorithm } from '../constants/totp.constants';
import { IMPORT_RECOVERY_CODES_MAX } from '../constants/import.constants';

/**
 * importTotp's input. Its rules (exactly one of secret and otpauthUri, the parameters, label and codes)
 * are checked by totp-import.rules.ts, shared with REST and the `import` command, so each channel
 * answers the same coded errors.
 */
@InputType()
export class ImportTotpInput {
  @Field(() => ID)
  userId: string;

  @Field(() => String, { nullable: true, description: 'Base32 secret as the user registered it (RFC 4648; case, spaces, hyphens and = padding ignored), at least 128 bits. Give this or otpauthUri.' })
  secret?: string | null;

  @Field(() => String, { nullable: true, description: 'otpauth://totp/... URI holding the secret and its parameters. Give this or secret.' })
  otpauthUri?: string | null;

  @Field(() => String, { nullable: true, description: 'What the user calls this authenticator: 1..64 characters after trimming; default "Authenticator app".' })
  label?: string | null;

  @Field(() => TotpAlgorithmEnum, { nullable: true, description: "The registration's hash function; else the URI's, else SHA1." })
  algorithm?: TotpAlgorithm | null;

  @Field(() => Int, { nullable: true, description: "Digits per code, 6 or 8; else the URI's, else 6." })
  digits?: number | null;

  @Field(() => Int, { nullable: true, description: "Seconds per time step, 30 or 60; else the URI's, else 30." })
  period?: number | null;

  @Field(() => [String], {
    nullable: true,
    description: `The user's existing recovery codes (12 letters and digits each, at most ${IMPORT_RECOVERY_CODES_MAX}), stored hashed; when omitted or empty, ten are minted and returned once.`,
  })
  recoveryCodes?: string[] | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'False stores a TOTP that its first successful code verifies. Default true.' })
  verified?: boolean | null;
}
