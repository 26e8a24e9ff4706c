import { Entity, PrimaryColumn, Column, Index, ManyToOne, JoinColumn } from 'typeorm';
import { BigIntColumn, EpochColumn, IdColumn, ID_LENGTH } from '../db/columns';
import type { User } from '../users/user.entity';

/** A TOTP factor. Exposed only as `User.totps { totpId, verified }` (users/user.entity.ts `UserTotp`); the secret never leaves as a field. */
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
}
