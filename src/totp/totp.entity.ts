import { Entity, PrimaryColumn, Column, Index, ManyToOne, JoinColumn } from 'typeorm';
import { BigIntColumn, EpochColumn, IdColumn, ID_LENGTH } from '../db/columns';
import type { User } from '../users/user.entity';
import type { TotpAlgorithm, TotpDigits, TotpPeriodSeconds } from '../constants/totp.constants';

/** A TOTP factor. Exposed only as `User.totps { totpId, verified, label, ... }` (users/user.entity.ts `UserTotp`); the secret never leaves as a field. */
@Entity({ name: 'totps' })
export class Totp {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  totpId: string;

  @IdColumn('project_id')
  projectId: string;

  @Index('idx_totps_user')
  @IdColumn('user_id')
  userId: string;

  @ManyToOne('User', (user: User) => user.totps, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** AES-256-GCM envelope of the raw 20-byte secret, bound to the TOTP id (crypto/envelope.ts). */
  @Column({ type: 'text', name: 'secret_ciphertext', select: false })
  secretCiphertext: string;

  @Column({ type: 'boolean' })
  verified: boolean;

  /**
   * Highest RFC 6238 time step ever accepted. Advanced only by `UPDATE ... WHERE last_step < step`,
   * so a code (or an older one) can never be accepted twice (RFC 6238 §5.2, last paragraph).
   */
  @BigIntColumn('last_step', { default: 0 })
  lastStep: number;

  /** Unverified TOTPs stop working at this time; verified ones ignore it. */
  @EpochColumn('expires_at')
  expiresAt: Date;

  @EpochColumn('created_at')
  createdAt: Date;

  @EpochColumn('verified_at', { nullable: true })
  verifiedAt: Date | null;

  /** When a code of this TOTP was last accepted (the first, verifying one included: set by the UPDATE that spends the step); null until then. */
  @EpochColumn('last_used_at', { nullable: true })
  lastUsedAt: Date | null;

  /** What the user calls this authenticator ("Work phone"): trimmed, 1..64 characters. */
  @Column({ type: 'varchar', length: 64, default: 'Authenticator app' })
  label: string;

  /** RFC 6238 §1.2: the HMAC hash function. */
  @Column({ type: 'varchar', length: 8, default: 'SHA1' })
  algorithm: TotpAlgorithm;

  /** RFC 4226 §5.3: the number of digits in a code. */
  @Column({ type: 'integer', default: 6 })
  digits: TotpDigits;

  /** RFC 6238 §4.1: the time step X, in seconds. */
  @Column({ type: 'integer', name: 'period_seconds', default: 30 })
  periodSeconds: TotpPeriodSeconds;
}
