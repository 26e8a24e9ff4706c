import { Entity, PrimaryColumn, Column, Index, OneToMany } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { EXTERNAL_ID_CHARS, NAME_PART_MAX_CHARS } from '../constants/user.constants';
import { EpochColumn, IdColumn, JsonColumn, ID_LENGTH } from '../db/columns';
import { lockView } from './lockout.policy';
import { TotpAlgorithmEnum } from '../graphql/totp-algorithm.enum';
import type { TotpAlgorithm } from '../constants/totp.constants';

/**
 * A user's TOTP as the API shows it (`User.totps { totpId, verified, label, ... }`): a row of the
 * `totps` table, whose entity (src/totp/totp.entity.ts) the relation names by string, so users/ needs
 * nothing of totp/, which reads users. The secret never leaves as a field.
 */
@ObjectType('UserTotp')
export class UserTotp {
  @Field(() => ID)
  totpId: string;

  @Field()
  verified: boolean;

  @Field({ description: 'What the user calls this authenticator ("Work phone"): 1..64 characters; renameTotp changes it.' })
  label: string;

  @Field(() => TotpAlgorithmEnum, { description: 'The HMAC hash its codes are made with (RFC 6238 §1.2).' })
  algorithm: TotpAlgorithm;

  @Field(() => Int, { description: 'Digits in a code: 6 or 8 (RFC 4226 §5.3).' })
  digits: number;

  @Field(() => Int, { name: 'period', description: 'Seconds a code lasts: its time step, 30 or 60 (RFC 6238 §4.1).' })
  periodSeconds: number;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When its first code was accepted; null while unverified.' })
  verifiedAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When a code of this TOTP was last accepted by authenticateTotp (its first, verifying one included); null until then.',
  })
  lastUsedAt: Date | null;
}

@ObjectType()
export class UserEmail {
  @Field()
  email: string;

  /** Always false: the gateway does not verify emails (the product's own first factor does). */
  @Field()
  verified: boolean;
}

@ObjectType()
export class UserPhoneNumber {
  @Field()
  phoneNumber: string;

  @Field()
  verified: boolean;
}

@ObjectType()
export class UserName {
  @Field(() => String, { nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  middleName: string | null;

  @Field(() => String, { nullable: true })
  lastName: string | null;
}

@Entity({ name: 'users' })
@Index('uq_users_project_email', ['projectId', 'email'], { unique: true })
@Index('uq_users_project_phone_number', ['projectId', 'phoneNumber'], { unique: true })
@Index('uq_users_project_external_id', ['projectId', 'externalId'], { unique: true })
// Pages of users in (created_at, id) order (user-search.service.ts).
@Index('idx_users_project_created', ['projectId', 'createdAt', 'userId'])
@ObjectType()
export class User {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  userId: string;

  @IdColumn('project_id')
  projectId: string;

  /** Stored normalised (identity.normalize.ts: NFC; local part unquoted, width-mapped, case-folded; IDNA ASCII domain) so uniqueness per project is on the normal form. */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  /** E.164; unique per project (NULLs are distinct on both dialects, so users without one do not collide). */
  @Column({ type: 'varchar', length: 32, name: 'phone_number', nullable: true })
  phoneNumber: string | null;

  @Column({ type: 'varchar', length: NAME_PART_MAX_CHARS, name: 'first_name', nullable: true })
  firstName: string | null;

  @Column({ type: 'varchar', length: NAME_PART_MAX_CHARS, name: 'middle_name', nullable: true })
  middleName: string | null;

  @Column({ type: 'varchar', length: NAME_PART_MAX_CHARS, name: 'last_name', nullable: true })
  lastName: string | null;

  @Field()
  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: EXTERNAL_ID_CHARS.max, name: 'external_id', nullable: true })
  externalId: string | null;

  @Field(() => GraphQLJSONObject)
  @JsonColumn('trusted_metadata')
  trustedMetadata: Record<string, unknown>;

  @Field(() => GraphQLJSONObject)
  @JsonColumn('untrusted_metadata')
  untrustedMetadata: Record<string, unknown>;

  /**
   * Consecutive failed TOTP/recovery attempts (NIST SP 800-63B §5.2.2 throttling): only a success or
   * an unlock clears it, never the end of a lock.
   */
  @Column({ type: 'integer', name: 'failed_attempts', default: 0 })
  failedAttempts: number;

  /** The stored lock end, possibly past; HARD_LOCK_UNTIL_MS (lockout.policy.ts) for a lock only an unlock lifts. */
  @EpochColumn('locked_until', { nullable: true })
  lockDeadline: Date | null;

  @Field()
  @EpochColumn('created_at')
  createdAt: Date;

  @Field(() => [UserTotp])
  @OneToMany('Totp', 'user')
  totps: UserTotp[];

  /** When the service read this row (its clock), so lock state is judged at the same instant. */
  observedAtMs?: number;

  @Field(() => [UserEmail])
  get emails(): UserEmail[] {
    return this.email ? [{ email: this.email, verified: false }] : [];
  }

  @Field(() => [UserPhoneNumber])
  get phoneNumbers(): UserPhoneNumber[] {
    return this.phoneNumber ? [{ phoneNumber: this.phoneNumber, verified: false }] : [];
  }

  @Field(() => UserName)
  get name(): UserName {
    return { firstName: this.firstName, middleName: this.middleName, lastName: this.lastName };
  }

  /** The lock as it stands when the row was read. */
  private get lock(): { isLocked: boolean; lockedUntil: Date | null } {
    return lockView(this.lockDeadline?.getTime() ?? null, this.observedAtMs ?? Date.now());
  }

  @Field({ description: 'True while a lock is in force, timed or until an unlock (then lockedUntil is null).' })
  get isLocked(): boolean {
    return this.lock.isLocked;
  }

  /**
   * The end of the lock in force. Null when the user is not locked, and also when the lock lasts until
   * an administrator's unlockUser: read it with isLocked (true and null = locked until unlocked).
   */
  @Field(() => Date, {
    nullable: true,
    description: 'When the lock in force ends. Null when not locked, and when isLocked is true but only unlockUser ends the lock (hard limit reached).',
  })
  get lockedUntil(): Date | null {
    return this.lock.lockedUntil;
  }

  /** The same as lockedUntil (the original name, kept for existing clients). */
  @Field(() => Date, { nullable: true, description: 'Same as lockedUntil.' })
  get lockExpiresAt(): Date | null {
    return this.lockedUntil;
  }

  @Field(() => Int, { description: 'Consecutive failed TOTP/recovery-code attempts; only a success or unlockUser resets it (not the end of a lock).' })
  get consecutiveFailures(): number {
    return this.failedAttempts;
  }
}
