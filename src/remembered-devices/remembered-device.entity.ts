import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { EpochColumn, IdColumn, ID_LENGTH } from '../db/columns';
import { User } from '../users/user.entity';

/**
 * A device a user asked to be remembered after proving a second factor (rememberDeviceDays): its
 * token is given once and stored only as a keyed hash (src/crypto/keyed-hash.ts); it is bound to its
 * user (gone with them: ON DELETE CASCADE) and project, and expires.
 */
@Entity({ name: 'remembered_devices' })
@Index('idx_remembered_devices_user', ['userId', 'expiresAt'])
@ObjectType()
export class RememberedDevice {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  rememberedDeviceId: string;

  @IdColumn('project_id')
  projectId: string;

  @Field(() => ID)
  @IdColumn('user_id')
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** Keyed hash of the device token. */
  @Index('uq_remembered_devices_token_hash', { unique: true })
  @Column({ type: 'varchar', length: 128, name: 'token_hash', select: false })
  tokenHash: string;

  @Field(() => String, { nullable: true, description: 'The User-Agent header of the request that remembered the device, when it sent one.' })
  @Column({ type: 'varchar', length: 512, name: 'user_agent', nullable: true })
  userAgent: string | null;

  @Field()
  @EpochColumn('created_at')
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When its token last authenticated; null until then.' })
  @EpochColumn('last_used_at', { nullable: true })
  lastUsedAt: Date | null;

  @Field()
  @EpochColumn('expires_at')
  expiresAt: Date;
}
