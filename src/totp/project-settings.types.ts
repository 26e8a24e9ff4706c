import { Field, ID, Int, ObjectType } from 'type-graphql';
import { TotpAlgorithmEnum } from '../graphql/totp-algorithm.enum';
import type { TotpAlgorithm } from '../constants/totp.constants';
import type { MfaPolicy } from '../constants/assurance.constants';
import { MfaPolicyEnum } from '../graphql/assurance.enums';

/** The RFC 6238 parameters a new enrollment gets unless createTotp chooses its own. */
@ObjectType()
export class TotpDefaults {
  @Field(() => TotpAlgorithmEnum, { description: 'The HMAC hash (RFC 6238 §1.2).' })
  algorithm: TotpAlgorithm;

  @Field(() => Int, { description: 'Digits in a code, 6 or 8.' })
  digits: number;

  @Field(() => Int, { name: 'period', description: 'Seconds a code lasts (the time step), 30 or 60.' })
  periodSeconds: number;
}

/**
 * The deployment's request rate limits (RATE_LIMIT_* settings): per project, not changeable over the
 * API. 0 means off (the default: a gateway's own backend is a trusted, high-volume caller).
 */
@ObjectType()
export class ProjectRateLimit {
  @Field(() => Int, { description: 'Requests per minute a project secret may send (RATE_LIMIT_REQUESTS_PER_MINUTE); 0: no limit.' })
  requestsPerMinute: number;

  @Field(() => Int, { description: "Requests per minute a project's session callers may send (RATE_LIMIT_SESSION_REQUESTS_PER_MINUTE); 0: no limit." })
  sessionRequestsPerMinute: number;
}

/** The calling project and its TOTP settings (set with the CLI, `project settings`, or updateProjectSettings). */
@ObjectType()
export class Project {
  @Field(() => ID)
  projectId: string;

  @Field({ description: "The project's name: the issuer authenticator apps show." })
  name: string;

  @Field({ description: 'The public token browsers send as X-Public-Token (not a secret).' })
  publicToken: string;

  @Field(() => Int, { description: 'How many verified TOTPs a user may hold, 1..10; 1 (the default) refuses a second with ACTIVE_TOTP_EXISTS, as Stytch does.' })
  maxTotpsPerUser: number;

  @Field(() => TotpDefaults)
  totpDefaults: TotpDefaults;

  @Field(() => MfaPolicyEnum, { description: 'OPTIONAL (the default), or REQUIRED: session callers below AAL2 may only enroll, verify, recover or sign out, and authenticateSession requires AAL2 unless asked for AAL1.' })
  mfaPolicy: MfaPolicy;

  @Field({ description: 'Whether authenticateTotp and recoverTotp may remember a device (rememberDeviceDays); off by default. Turning it off forgets every device the project remembered.' })
  rememberDevices: boolean;

  @Field({ description: 'Whether a remembered device proves a second factor (AAL2); off by default, so it only reauthenticates (AAL1).' })
  rememberedDeviceAal2: boolean;
}

/** What addAllowedOrigin and removeAllowedOrigin answer. */
@ObjectType()
export class AllowedOriginPayload {
  @Field({ description: 'The origin added or removed, serialised (RFC 6454): scheme://host[:port].' })
  origin: string;

  @Field(() => [String], { description: 'Every origin the project allows after the change, in order.' })
  allowedOrigins: string[];
}
