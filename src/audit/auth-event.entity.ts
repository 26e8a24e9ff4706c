import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { EpochColumn, IdColumn } from '../db/columns';

export type AuthEventType = 'totp' | 'recovery_code' | 'session';
export type AuthEventOutcome = 'success' | 'failure' | 'replay' | 'locked' | 'revoked' | 'created';

/**
 * One append-only audit record of an authentication attempt or a session revocation (OWASP ASVS
 * 7.1, 2.8.5). It names who, what and when; it never holds a code, a recovery code, a token or a secret.
 *
 * No foreign key to users: deleting a user keeps their events (an audit trail must outlive what it
 * describes). Ids are never reused, so a kept event cannot be mistaken for a later user's.
 */
@Entity({ name: 'auth_events' })
@Index('idx_auth_events_user', ['userId', 'occurredAt'])
@ObjectType()
export class AuthEvent {
  /** Insertion order, the tie-break for events of the same millisecond; never leaves the database. */
  @PrimaryGeneratedColumn('increment', { name: 'seq' })
  seq: number;

  @Field(() => ID)
  @Index('uq_auth_events_event_id', { unique: true })
  @IdColumn('event_id')
  eventId: string;

  @IdColumn('project_id')
  projectId: string;

  @Field(() => ID)
  @IdColumn('user_id')
  userId: string;

  @Field(() => ID, { nullable: true, description: 'The TOTP the attempt was judged against; null for session events.' })
  @IdColumn('totp_id', { nullable: true })
  totpId: string | null;

  @Field(() => String, { description: '"totp", "recovery_code" or "session"' })
  @Column({ type: 'varchar', length: 16 })
  type: AuthEventType;

  @Field(() => String, { description: '"success", "failure" (wrong code), "replay" (code already used), "locked" (refused: user locked) or "revoked"' })
  @Column({ type: 'varchar', length: 16 })
  outcome: AuthEventOutcome;

  @Field(() => String, { nullable: true, description: 'The x-request-id of the request that caused the event.' })
  @Column({ type: 'varchar', length: 128, name: 'request_id', nullable: true })
  requestId: string | null;

  @Field()
  @EpochColumn('occurred_at')
  occurredAt: Date;
}
