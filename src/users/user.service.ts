import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow } from '../db/database';
import { isUniqueViolation } from '../errors/database.faults';
import { fromRows, relationTarget } from '../db/row-mapper';
import { sql } from '../db/sql';
import type { Clock } from '../common/clock';
import { isAnyId, isId, newId, parseId } from '../common/ids';
import { GatewayError, type ErrorSubtype } from '../errors/error.catalogue';
import { User, type UserTotp } from './user.entity';
import { INVALID_EMAIL_MESSAGE, INVALID_PHONE_NUMBER_MESSAGE, type CreateUserInput, type UpdateUserInput } from './user.inputs';
import { EXTERNAL_ID_CHARS, METADATA_MAX_BYTES, metadataMessage } from '../constants/user.constants';
import { jsonByteLength } from '../common/json';
import { codePointsWithin } from '../common/text';
import { DuplicateEmailError, DuplicateExternalIdError, DuplicatePhoneNumberError, UserNotFoundError } from './user.errors';
import { normalizeEmail, normalizePhoneNumber } from './identity.normalize';
import type { LockoutService } from './lockout.service';
import { NO_EVENTS, type EventSink } from '../webhooks/webhook.outbox';

/** The "unlocked" event an unlock records, in the unlock's transaction. */
interface UnlockedEvent {
  readonly projectId: string;
  readonly userId: string;
  readonly type: 'user';
  readonly outcome: 'unlocked';
  /** The request's x-request-id, when the caller is a request. */
  readonly requestId: string | null;
  readonly occurredAtMs: number;
}

/**
 * Where an unlock's event goes: the audit log (src/audit/audit.service.ts `AuditService` fits it).
 * Declared here, by its one use, so users/ needs nothing of the audit feature, which reads users.
 */
export interface UnlockAudit {
  record(manager: EntityManager, event: UnlockedEvent): Promise<void>;
}

/**
 * What else an unlock ends, in its transaction: the user's remembered devices (src/remembered-devices),
 * so an unlock after a suspected attack leaves no long-lived token standing in for a second factor.
 * Declared here, by its one use, as UnlockAudit is.
 */
export interface UnlockRevocation {
  revokeRememberedDevices(manager: EntityManager, projectId: string, userId: string, requestId: string | null): Promise<unknown>;
}

const SELECT_USER = `SELECT id, project_id, email, phone_number, first_name, middle_name, last_name, status, external_id,
  trusted_metadata, untrusted_metadata, failed_attempts, locked_until, created_at FROM users WHERE id = ? AND project_id = ?`;
/** The `totps` columns `User.totps` shows (UserTotp), wherever a user's TOTPs are read. */
export const USER_TOTP_COLUMNS = ['id', 'verified', 'label', 'algorithm', 'digits', 'period_seconds', 'created_at', 'verified_at', 'last_used_at'] as const;
const SELECT_USER_TOTPS = `SELECT ${USER_TOTP_COLUMNS.join(', ')} FROM totps WHERE user_id = ? ORDER BY created_at ASC, id ASC`;
const SELECT_ID_BY_EXTERNAL_ID = 'SELECT id FROM users WHERE project_id = ? AND external_id = ?';
const SELECT_ID_BY = {
  email: 'SELECT id FROM users WHERE project_id = ? AND email = ?',
  phone_number: 'SELECT id FROM users WHERE project_id = ? AND phone_number = ?',
  external_id: SELECT_ID_BY_EXTERNAL_ID,
} as const;

export const parseUserId = (userId: unknown) => parseId('user', userId, 'INVALID_USER_ID');

/**
 * The normal form of an optional identifier (identity.normalize.ts). Input validation refuses values
 * without one first; this keeps the service safe for any caller.
 */
function normalized(
  field: 'email' | 'phoneNumber',
  raw: string | null | undefined,
  normalize: (raw: string) => string | null,
  errorType: ErrorSubtype<'BAD_USER_INPUT'>,
  message: string,
): string | null {
  if (raw === null || raw === undefined) return null;
  const value = normalize(raw);
  if (value === null) throw new GatewayError('BAD_USER_INPUT', { errorType, message, details: { field } });
  return value;
}

/**
 * Which unique index of `users` a failed INSERT hit. Judged on the driver's message only (SQLite names
 * the columns, PostgreSQL the index), never on its detail, which quotes the offending value.
 */
function violatedUserIndex(error: unknown): 'email' | 'phone_number' | 'external_id' | null {
  if (!isUniqueViolation(error)) return null;
  const e = error as { driverError?: { message?: string }; message?: string };
  const message = e.driverError?.message ?? e.message ?? '';
  for (const column of ['email', 'phone_number', 'external_id'] as const) {
    if (message.includes(`users.${column}`) || message.includes(`"uq_users_project_${column}"`)) return column;
  }
  return null;
}

/**
 * Stytch's metadata update: the update is merged into the stored object at the top level only, and a
 * top-level key given as null is deleted (Stytch API reference, "Metadata update behavior"). The result
 * must still fit METADATA_MAX_BYTES: BAD_USER_INPUT invalid_metadata otherwise.
 */
function mergeMetadata(stored: Record<string, unknown>, update: Record<string, unknown>, field: string): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (jsonByteLength(merged) > METADATA_MAX_BYTES) {
    throw new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_metadata', message: metadataMessage(field), details: { field } });
  }
  return merged;
}

/** The columns an update changes: only what the input gives (a name part given as null is cleared). */
function changesOf(user: User, input: UpdateUserInput): Partial<User> {
  const changes: Partial<User> = {};
  for (const part of ['firstName', 'middleName', 'lastName'] as const) {
    if (input.name && input.name[part] !== undefined) changes[part] = input.name[part] ?? null;
  }
  if (input.externalId != null) changes.externalId = input.externalId;
  if (input.trustedMetadata != null) changes.trustedMetadata = mergeMetadata(user.trustedMetadata, input.trustedMetadata, 'trustedMetadata');
  if (input.untrustedMetadata != null) changes.untrustedMetadata = mergeMetadata(user.untrustedMetadata, input.untrustedMetadata, 'untrustedMetadata');
  return changes;
}

/** What a failure may disclose to this caller. */
export interface DisclosureOptions {
  readonly nameExisting?: boolean;
}

export class UserService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly lockout: LockoutService,
    private readonly audit: UnlockAudit,
    private readonly revocation: UnlockRevocation,
    private readonly events: EventSink = NO_EVENTS,
  ) {}

  /** `nameExisting`: whether a DUPLICATE_* answer may carry `existingUserId` (caller.policy.ts `mayNameExistingUser`). */
  async create(projectId: string, input: CreateUserInput, { nameExisting = false }: DisclosureOptions = {}): Promise<User> {
    // One person, one user: uniqueness is on the normal forms, and only they are stored.
    const email = normalized('email', input.email, normalizeEmail, 'invalid_email', INVALID_EMAIL_MESSAGE);
    const phoneNumber = normalized('phoneNumber', input.phoneNumber, normalizePhoneNumber, 'invalid_phone_number', INVALID_PHONE_NUMBER_MESSAGE);
    if (!email && !phoneNumber) {
      throw new GatewayError('BAD_USER_INPUT', {
        errorType: 'missing_email_or_phone_number',
        message: 'Give the user an email or a phone number.',
        details: { field: 'email' },
      });
    }
    const user = Object.assign(new User(), {
      userId: newId('user'),
      projectId,
      email,
      phoneNumber,
      firstName: input.name?.firstName ?? null,
      middleName: input.name?.middleName ?? null,
      lastName: input.name?.lastName ?? null,
      status: 'active',
      externalId: input.externalId ?? null,
      trustedMetadata: input.trustedMetadata ?? {},
      untrustedMetadata: input.untrustedMetadata ?? {},
      failedAttempts: 0,
      lockDeadline: null,
      createdAt: new Date(this.clock.now()),
    });
    try {
      await this.db.write(async (m) => {
        await insertRow(m, User, user);
        await this.events.enqueue(m, { projectId, userId: user.userId, occurredAtMs: user.createdAt.getTime(), events: [{ type: 'user.created', data: { userId: user.userId } }] });
      });
    } catch (error) {
      // The unique indexes, not a prior SELECT, decide: two concurrent creates cannot both pass.
      throw await this.duplicateError(error, user, nameExisting);
    }
    user.totps = [];
    user.observedAtMs = this.clock.now();
    return user;
  }

  /**
   * updateUser (Stytch's Update User): name parts, external id and metadata (merged, see mergeMetadata)
   * in one UPDATE under the user's row lock. DUPLICATE_EXTERNAL_ID (with details.existingUserId) when
   * another user of the project has the external id; USER_NOT_FOUND for a user the project lacks.
   * The existing user is named only when `nameExisting` (caller.policy.ts `mayNameExistingUser`).
   */
  async update(projectId: string, input: UpdateUserInput, { nameExisting = false }: DisclosureOptions = {}): Promise<User> {
    const id = parseUserId(input.userId);
    try {
      return await this.db.write(async (m) => {
        await this.lock(m, projectId, id);
        const user = await this.require(m, projectId, id);
        const changes = changesOf(user, input);
        const changed = Object.keys(changes);
        if (changed.length) {
          await m.update(User, { userId: id, projectId }, changes as Parameters<EntityManager['update']>[2]);
          // Which fields changed, never their values (they may be personal data).
          await this.events.enqueue(m, { projectId, userId: id, occurredAtMs: this.clock.now(), events: [{ type: 'user.updated', data: { userId: id, fields: changed.sort().join(',') } }] });
        }
        return Object.assign(user, changes);
      });
    } catch (error) {
      throw await this.duplicateError(error, { projectId, userId: id, email: null, phoneNumber: null, externalId: input.externalId ?? null }, nameExisting);
    }
  }

  /**
   * The user id a `userId` argument names: a well-formed user id as it is (no query: this runs on every
   * authentication), else the project's user with that external id (Stytch: "You may use an external_id
   * here if one is set for the user"). USER_NOT_FOUND when the project has no such user (another
   * project's answers the same); INVALID_USER_ID, without a query, for a value that can be neither (not
   * a string, empty, over EXTERNAL_ID_CHARS code points as the column counts them, holding NUL, or the
   * id of another kind of object, e.g. `totp-<uuid>`). Any stored external id is looked up, one set
   * before EXTERNAL_ID_ALPHABET applied included.
   */
  async resolveUserId(projectId: string, ref: unknown): Promise<string> {
    if (isId('user', ref)) return ref;
    if (typeof ref !== 'string' || isAnyId(ref) || !codePointsWithin(ref, EXTERNAL_ID_CHARS) || ref.includes('\u0000')) {
      throw new GatewayError('INVALID_USER_ID');
    }
    const { rows } = await this.db.read((m) => sql<{ id: string }>(m, SELECT_ID_BY_EXTERNAL_ID, [projectId, ref]));
    if (!rows.length) throw new UserNotFoundError();
    return rows[0].id;
  }

  /**
   * A failed write's error as the client should see it: a unique violation on email, phone number or
   * external id becomes DUPLICATE_* naming the project's user that holds the value
   * (details.existingUserId, when `nameExisting`; omitted when that user is gone by the time it is
   * read). The lookup is within the project, so no other project's user is ever named.
   */
  private async duplicateError(error: unknown, attempted: Pick<User, 'projectId' | 'userId' | 'email' | 'phoneNumber' | 'externalId'>, nameExisting: boolean): Promise<unknown> {
    const index = violatedUserIndex(error);
    if (!index) return error;
    const value = { email: attempted.email, phone_number: attempted.phoneNumber, external_id: attempted.externalId }[index];
    const { rows } = value === null || !nameExisting ? { rows: [] } : await this.db.read((m) => sql<{ id: string }>(m, SELECT_ID_BY[index], [attempted.projectId, value]));
    const existing = rows.find((row) => row.id !== attempted.userId)?.id;
    const options = { cause: error, details: existing ? { existingUserId: existing } : undefined };
    if (index === 'external_id') return new DuplicateExternalIdError(options);
    if (index === 'email') return new DuplicateEmailError(options);
    return new DuplicatePhoneNumberError(options);
  }

  get(projectId: string, userId: unknown): Promise<User> {
    const id = parseUserId(userId);
    return this.db.read((m) => this.require(m, projectId, id));
  }

  async delete(projectId: string, userId: unknown): Promise<string> {
    const id = parseUserId(userId);
    // TOTPs, recovery codes and sessions go with the user (ON DELETE CASCADE).
    const deleted = await this.db.write(async (m) => {
      const { affected } = await m.delete(User, { userId: id, projectId });
      if (affected) await this.events.enqueue(m, { projectId, userId: id, occurredAtMs: this.clock.now(), events: [{ type: 'user.deleted', data: { userId: id } }] });
      return Boolean(affected);
    });
    if (!deleted) throw new UserNotFoundError();
    return id;
  }

  /**
   * The project's unlock of a user (NIST SP 800-63B §5.2.2: after the hard limit only an unlock ends
   * the lock): clears any lock and the consecutive-failure count in one UPDATE, forgets the user's
   * remembered devices (UnlockRevocation, which audits that as `device` / `revoked`), and records an "unlocked" event in the same transaction. Idempotent; USER_NOT_FOUND for a user the project lacks.
   */
  async unlock(projectId: string, userId: unknown, requestId: string | null = null): Promise<User> {
    const id = parseUserId(userId);
    const nowMs = this.clock.now();
    return this.db.write(async (m) => {
      if (!(await this.lockout.unlock(m, projectId, id))) throw new UserNotFoundError();
      await this.revocation.revokeRememberedDevices(m, projectId, id, requestId);
      await this.audit.record(m, { projectId, userId: id, type: 'user', outcome: 'unlocked', requestId, occurredAtMs: nowMs });
      return this.require(m, projectId, id);
    });
  }

  /**
   * Inside a write transaction: locks the user's row (PostgreSQL `SELECT ... FOR UPDATE`; SQLite's
   * write transaction is already exclusive) or throws USER_NOT_FOUND. Every read-then-write on a
   * user's TOTPs, recovery codes or new sessions takes this lock first, as deleteUser's DELETE does,
   * so they run one at a time, see each other's commits, and never wait on each other in a cycle.
   * After the wait, READ COMMITTED reads the row as committed then: a user deleted meanwhile is gone.
   */
  async lock(manager: EntityManager, projectId: string, userId: string): Promise<void> {
    const owner = await manager.findOne(User, { where: { userId, projectId }, select: { userId: true }, lock: this.db.rowLock });
    if (!owner) throw new UserNotFoundError();
  }

  /** The user with their TOTPs; another project's user answers exactly like a missing one. */
  async require(manager: EntityManager, projectId: string, userId: string): Promise<User> {
    // Raw SQL: every authentication returns the user (src/db/sql.ts says why).
    const { rows } = await sql(manager, SELECT_USER, [userId, projectId]);
    if (!rows.length) throw new UserNotFoundError();
    const { rows: totps } = await sql(manager, SELECT_USER_TOTPS, [userId]);
    const [user] = fromRows(manager, User, rows);
    user.totps = fromRows(manager, relationTarget<UserTotp>(manager, User, 'totps'), totps);
    user.observedAtMs = this.clock.now();
    return user;
  }
}
