import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { EpochColumn, ID_LENGTH } from '../db/columns';
import type { TotpAlgorithm, TotpDigits, TotpPeriodSeconds } from '../constants/totp.constants';
import type { MfaPolicy } from '../constants/assurance.constants';

/** A tenant: every user, TOTP, session and signing key belongs to exactly one project. */
@Entity({ name: 'projects' })
export class Project {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  projectId: string;

  /** Shown to users as the authenticator app's issuer. */
  @Column({ type: 'varchar', length: 255 })
  name: string;

  @EpochColumn('created_at')
  createdAt: Date;

  /**
   * Identifies the project to browsers (`X-Public-Token`), like Stytch's public token: not a secret,
   * it opens nothing alone; a session caller also needs a live session of this project. Null only on
   * rows the FrontendAccess migration could not reach (none: it fills every existing project).
   */
  @Index('uq_projects_public_token', { unique: true })
  @Column({ type: 'varchar', length: ID_LENGTH, name: 'public_token', nullable: true })
  publicToken: string | null;

  /** How many TOTPs a user may hold (1..10); 1 refuses a second enrollment as Stytch does (`active_totp_exists`). */
  @Column({ type: 'integer', name: 'max_totps_per_user', default: 1 })
  maxTotpsPerUser: number;

  /** The RFC 6238 parameters a new enrollment gets unless it chooses its own. */
  @Column({ type: 'varchar', length: 8, name: 'totp_algorithm', default: 'SHA1' })
  totpAlgorithm: TotpAlgorithm;

  @Column({ type: 'integer', name: 'totp_digits', default: 6 })
  totpDigits: TotpDigits;

  @Column({ type: 'integer', name: 'totp_period_seconds', default: 30 })
  totpPeriodSeconds: TotpPeriodSeconds;

  /** OPTIONAL, or REQUIRED: sessions below AAL2 may only reach AAL2 or sign out (src/graphql/caller.policy.ts). */
  @Column({ type: 'varchar', length: 16, name: 'mfa_policy', default: 'OPTIONAL' })
  mfaPolicy: MfaPolicy;

  /** Whether authenticateTotp/recoverTotp may issue remembered devices (rememberDeviceDays). */
  @Column({ type: 'boolean', name: 'remember_devices', default: false })
  rememberDevices: boolean;

  /** Whether a remembered device proves a second factor (AAL2) or only reauthenticates (AAL1). */
  @Column({ type: 'boolean', name: 'remembered_device_aal2', default: false })
  rememberedDeviceAal2: boolean;
}
