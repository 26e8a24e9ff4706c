import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow } from '../db/database';
import { isUniqueViolation } from '../errors/database.faults';
import { fromRows, relationTarget } from '../db/row-mapper';
import { sql } from '../db/sql';
import type { Clock } from '../common/clock';
import { newId, parseId } from '../common/ids';
import { GatewayError, type ErrorSubtype } from '../errors/error.catalogue';
import { User, type UserTotp } from './user.entity';
import { INVALID_EMAIL_MESSAGE, INVALID_PHONE_NUMBER_MESSAGE, type CreateUserInput } from './user.inputs';
import { DuplicateEmailError, DuplicateExternalIdError, DuplicatePhoneNumberError, UserNotFoundError } from './user.errors';
import { normalizeEmail, normalizePhoneNumber } from './identity.normalize';
import type { LockoutService } from './lockout.service';

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

const SELECT_USER = `SELECT id, project_id, email, phone_number, first_name, middle_name, last_name, status, external_id,
  trusted_metadata, untrusted_metadata, failed_attempts, locked_until, created_at FROM users WHERE id = ? AND project_id = ?`;
const SELECT_USER_TOTPS =
  'SELECT id, verified, label, algorithm, digits, period_seconds, created_at, verified_at, last_used_at FROM totps WHERE user_id = ? ORDER BY created_at ASC, id ASC';

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

export class UserService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly lockout: LockoutService,
    private readonly audit: UnlockAudit,
  ) {}

  async create(projectId: string, input: CreateUserInput): Promise<User> {
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
      await this.db.write((m) => insertRow(m, User, user));
    } catch (error) {
      // The unique indexes, not a prior SELECT, decide: two concurrent creates cannot both pass.
      const index = violatedUserIndex(error);
      if (index === 'external_id') throw new DuplicateExternalIdError({ cause: error });
      if (index === 'email') throw new DuplicateEmailError({ cause: error });
      if (index === 'phone_number') throw new DuplicatePhoneNumberError({ cause: error });
      throw error;
    }
    user.totps = [];
    user.observedAtMs = this.clock.now();
    return user;
  }

  get(projectId: string, userId: unknown): Promise<User> {
    const id = parseUserId(userId);
    return this.db.read((m) => this.require(m, projectId, id));
  }

  async delete(projectId: string, userId: unknown): Promise<string> {
    const id = parseUserId(userId);
    // TOTPs, recovery codes and sessions go with the user (ON DELETE CASCADE).
    const result = await this.db.write((m) => m.delete(User, { userId: id, projectId }));
    if (!result.affected) throw new UserNotFoundError();
    return id;
  }

  /**
   * The project's unlock of a user (NIST SP 800-63B §5.2.2: after the hard limit only an unlock ends
   * the lock): clears any lock and the consecutive-failure count in one UPDATE, and records an
   * "unlocked" event in the same transaction. Idempotent; USER_NOT_FOUND for a user the project lacks.
   */
  async unlock(projectId: string, userId: unknown, requestId: string | null = null): Promise<User> {
    const id = parseUserId(userId);
    const nowMs = this.clock.now();
    return this.db.write(async (m) => {
      if (!(await this.lockout.unlock(m, projectId, id))) throw new UserNotFoundError();
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
