import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { BigIntColumn, EpochColumn, IdColumn } from '../db/columns';

export type AuthEventType = 'totp' | 'recovery_code' | 'device' | 'session' | 'user';
export type AuthEventOutcome = 'success' | 'failure' | 'replay' | 'locked' | 'revoked' | 'created' | 'unlocked';

/**
 * One append-only audit record of an authentication attempt or a session revocation (OWASP ASVS
 * 7.1, 2.8.5). It names who, what and when; it never holds a code, a recovery code, a token or a secret.
 *
 * No foreign key to users: deleting a user keeps their events (an audit trail must outlive what it
 * describes). Ids are never reused, so a kept event cannot be mistaken for a later user's.
 */
@Entity({ name: 'auth_events' })
@Index('idx_auth_events_user', ['userId', 'occurredAt'])
// The conflict target of the aggregating upsert (AuditService.record), over the counted rows only:
// rows with a NULL window_start never collide (NULLs are distinct in unique indexes on SQLite and
// PostgreSQL), so leaving them out changes no rule and spares every appended event an index entry.
@Index('uq_auth_events_window', ['userId', 'type', 'outcome', 'windowStart'], { unique: true, where: 'window_start IS NOT NULL' })
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

  @Field(() => ID, { nullable: true, description: 'The TOTP the attempt was verified against; null for session events.' })
  @IdColumn('totp_id', { nullable: true })
  totpId: string | null;

  @Field(() => String, { description: '"totp", "recovery_code", "device" (a remembered device: used, created, revoked), "session" or "user" (an unlock)' })
  @Column({ type: 'varchar', length: 16 })
  type: AuthEventType;

  @Field(() => String, {
    description: '"success", "failure" (wrong code), "replay" (code already used), "locked" (refused: user locked), "revoked", "created" or "unlocked" (unlockUser)',
  })
  @Column({ type: 'varchar', length: 16 })
  outcome: AuthEventOutcome;

  @Field(() => String, { nullable: true, description: 'The x-request-id of the request that caused the event.' })
  @Column({ type: 'varchar', length: 128, name: 'request_id', nullable: true })
  requestId: string | null;

  @Field({ description: 'When it happened; for an aggregated "locked" event, the first attempt of its minute.' })
  @EpochColumn('occurred_at')
  occurredAt: Date;

  /**
   * How many attempts the event stands for: 1, except for "locked" events, one per user, factor and
   * minute, which count every attempt refused unverified in that minute (OWASP ASVS 7.1 without letting a
   * locked-out attacker grow the trail without bound).
   */
  @Field(() => Int, { description: 'Attempts this event stands for: 1, or for "locked", every attempt refused while locked in that minute (requestId: the first).' })
  @Column({ type: 'integer', default: 1 })
  count: number;

  /** Aggregated ("locked") events only: the start of their minute (epoch ms); null for every other event. */
  @BigIntColumn('window_start', { nullable: true })
  windowStart: number | null;
}
