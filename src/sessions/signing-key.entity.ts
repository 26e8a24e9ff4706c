import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { EpochColumn, IdColumn, JsonColumn, ID_LENGTH } from '../db/columns';

/**
 * A project's JWT signing key. Kept in the database (private half envelope-encrypted) so every
 * gateway process signs with the same keys and serves the same JWKS.
 */
@Entity({ name: 'signing_keys' })
@Index('idx_signing_keys_project', ['projectId', 'createdAt'])
export class SigningKey {
  /** The JWT `kid`. */
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  kid: string;

  @IdColumn('project_id')
  projectId: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm: string;

  @Column({ type: 'text', name: 'private_key_ciphertext', select: false })
  privateKeyCiphertext: string;

  @JsonColumn('public_jwk')
  publicJwk: Record<string, unknown>;

  @EpochColumn('created_at')
  createdAt: Date;
}
