import { Entity, PrimaryColumn, Column, Index, ManyToOne, JoinColumn } from 'typeorm';
import { EpochColumn, IdColumn, ID_LENGTH } from '../db/columns';
import { Totp } from './totp.entity';

/** One single-use recovery code of a TOTP, stored as a keyed hash. */
@Entity({ name: 'totp_recovery_codes' })
export class RecoveryCode {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  id: string;

  @Index('idx_recovery_codes_totp')
  @IdColumn('totp_id')
  totpId: string;

  @ManyToOne(() => Totp, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'totp_id' })
  totp?: Totp;

  @Index('idx_recovery_codes_hash')
  @Column({ type: 'varchar', length: 128, name: 'code_hash', select: false })
  codeHash: string;

  /** Present only with RECOVERY_CODES_RETRIEVABLE=true: the code, envelope-encrypted. */
  @Column({ type: 'text', name: 'code_ciphertext', nullable: true, select: false })
  codeCiphertext: string | null;

  /** Position in the set, so retrievable codes come back in the order they were issued. */
  @Column({ type: 'integer' })
  position: number;

  @EpochColumn('used_at', { nullable: true })
  usedAt: Date | null;
}
