import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { EpochColumn, IdColumn, JsonColumn, ID_LENGTH } from '../db/columns';

/**
 * A project's JWT signing key. Kept in the database (private half envelope-encrypted) so every
 * gateway process signs with the same keys and serves the same JWKS. The keys of one project and
 * algorithm form a chain (`generation` 1, 2, ...) whose schedule src/sessions/signing-schedule.rules.ts
 * defines; the unique index lets only one process store each generation.
 */
@Entity({ name: 'signing_keys' })
@Index('idx_signing_keys_project', ['projectId', 'createdAt'])
@Index('uq_signing_keys_generation', ['projectId', 'algorithm', 'generation'], { unique: true })
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

  /** When it was stored, hence published in the JWKS. */
  @EpochColumn('created_at')
  createdAt: Date;

  /** Its place in the project's chain for `algorithm`, from 1. */
  @Column({ type: 'integer' })
  generation: number;

  /** When it starts signing. */
  @EpochColumn('signs_from')
  signsFrom: Date;

  /** When it stops signing (its successor's `signsFrom`); null while it has no successor. */
  @EpochColumn('signs_until', { nullable: true })
  signsUntil: Date | null;
}
