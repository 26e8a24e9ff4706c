import { Entity, PrimaryColumn, Column, Index, ManyToOne, JoinColumn, type ValueTransformer } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { EpochColumn, IdColumn, JsonColumn, ID_LENGTH } from '../db/columns';
import { User } from '../users/user.entity';
import type { FactorType } from '../graphql/caller.types';
import type { AssuranceLevel } from '../constants/assurance.constants';
import { AssuranceLevelEnum } from '../graphql/assurance.enums';
import { assuranceLevelOf } from './assurance.rules';

/** `external`/`backend`: the first factor the customer's own backend proved (createSession). */
export type DeliveryMethod = 'authenticator_app' | 'recovery_code' | 'remembered_device' | 'backend';

@ObjectType()
export class AuthenticationFactor {
  @Field(() => String, { description: '"totp", "recovery_codes", "remembered_device" or "external" (proven by the project\'s backend: createSession)' })
  type: FactorType;

  @Field(() => String, { description: '"authenticator_app", "recovery_code", "remembered_device" or "backend"' })
  deliveryMethod: DeliveryMethod;

  @Field(() => ID, { nullable: true })
  totpId: string | null;

  @Field(() => ID, { nullable: true, description: 'The recovery code spent (recovery_codes factors only).' })
  recoveryCodeId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The remembered device used (remembered_device factors only).' })
  rememberedDeviceId?: string | null;

  /**
   * remembered_device only: whether its project counted remembered devices towards AAL2 when it was
   * proven (src/sessions/assurance.rules.ts). Stored with the factor, not a GraphQL field.
   */
  countsTowardsAal2?: boolean | null;

  @Field()
  lastAuthenticatedAt: Date;
}

/** Factors live in one JSON column (ms timestamps); rows become AuthenticationFactor objects. */
const factorsTransformer: ValueTransformer = {
  to: (factors: AuthenticationFactor[] | undefined) =>
    factors === undefined ? undefined : JSON.stringify(factors.map((f) => ({ ...f, lastAuthenticatedAt: f.lastAuthenticatedAt.getTime() }))),
  from: (raw: string | null) =>
    raw == null ? [] : (JSON.parse(raw) as Array<Omit<AuthenticationFactor, 'lastAuthenticatedAt'> & { lastAuthenticatedAt: number }>)
      .map((f) => Object.assign(new AuthenticationFactor(), f, { lastAuthenticatedAt: new Date(f.lastAuthenticatedAt) })),
};

@Entity({ name: 'sessions' })
@Index('idx_sessions_user', ['userId', 'expiresAt'])
@ObjectType()
export class Session {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH, name: 'id' })
  sessionId: string;

  @IdColumn('project_id')
  projectId: string;

  @Field(() => ID)
  @IdColumn('user_id')
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** Keyed hash of the opaque session token (crypto/keyed-hash.ts). */
  @Index('uq_sessions_token_hash', { unique: true })
  @Column({ type: 'varchar', length: 128, name: 'token_hash', select: false })
  tokenHash: string;

  @Field()
  @EpochColumn('started_at')
  startedAt: Date;

  @Field()
  @EpochColumn('last_accessed_at')
  lastAccessedAt: Date;

  @Field()
  @EpochColumn('expires_at')
  expiresAt: Date;

  @Field(() => [AuthenticationFactor])
  @Column({ type: 'text', name: 'authentication_factors', transformer: factorsTransformer })
  authenticationFactors: AuthenticationFactor[];

  @Field(() => GraphQLJSONObject)
  @JsonColumn('custom_claims')
  customClaims: Record<string, unknown>;

  /** Derived from the factors (assurance.rules.ts); no column, no query. */
  @Field(() => AssuranceLevelEnum, { description: 'AAL2 once a second factor is proven in this session, else AAL1 (NIST SP 800-63B); the JWT carries it as acr.' })
  get assuranceLevel(): AssuranceLevel {
    return assuranceLevelOf(this.authenticationFactors ?? []);
  }
}
