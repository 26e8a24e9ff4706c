import { Field, InputType, Int } from 'type-graphql';
import { MAX_TOTPS_PER_USER, TOTP_DIGITS, TOTP_PERIOD_SECONDS, type TotpAlgorithm } from '../constants/totp.constants';
import { TotpAlgorithmEnum } from '../graphql/totp-algorithm.enum';
import type { MfaPolicy } from '../constants/assurance.constants';
import { MfaPolicyEnum } from '../graphql/assurance.enums';

/**
 * updateProjectSettings: each field left out stays as it is. Values are checked by the service the
 * CLI shares (project-settings.service.ts): BAD_USER_INPUT `invalid_project_setting`, nothing written.
 */
@InputType()
export class UpdateProjectSettingsInput {
  @Field(() => Int, { nullable: true, description: `How many verified TOTPs a user may hold, ${MAX_TOTPS_PER_USER.min}..${MAX_TOTPS_PER_USER.max}.` })
  maxTotpsPerUser?: number | null;

  @Field(() => TotpAlgorithmEnum, { nullable: true, description: 'The HMAC hash new TOTPs get (RFC 6238 §1.2).' })
  totpAlgorithm?: TotpAlgorithm | null;

  @Field(() => Int, { nullable: true, description: `Digits in new TOTPs' codes: ${TOTP_DIGITS.join(' or ')}.` })
  totpDigits?: number | null;

  @Field(() => Int, { nullable: true, description: `Seconds new TOTPs' codes last: ${TOTP_PERIOD_SECONDS.join(' or ')}.` })
  totpPeriod?: number | null;

  @Field(() => MfaPolicyEnum, { nullable: true, description: 'OPTIONAL, or REQUIRED: session callers below AAL2 may then only enroll, verify, recover or sign out (NIST SP 800-63B §4.2), so sessions made with one factor stop working for anything else at once.' })
  mfaPolicy?: MfaPolicy | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether authenticateTotp and recoverTotp may remember a device (rememberDeviceDays). Off refuses issuing and using them (REMEMBERED_DEVICES_DISABLED) and forgets every device the project remembered, in the same transaction.' })
  rememberDevices?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether a remembered device proves a second factor (AAL2); false: it only reauthenticates (AAL1).' })
  rememberedDeviceAal2?: boolean | null;
}

/** addAllowedOrigin, removeAllowedOrigin: the origin is checked by ProjectService (BAD_USER_INPUT `invalid_origin`). */
@InputType()
export class AllowedOriginInput {
  @Field({ description: 'A browser origin, scheme://host[:port] over http or https, e.g. https://app.example.com.' })
  origin: string;
}
