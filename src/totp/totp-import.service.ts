// Import of existing TOTP registrations (users moving from another provider keep the secret already on
// their phone): one import (importTotp, POST /v1/totps/migrate) in its own transaction, or many lines of
// a file (the `import` command) in batched transactions with one savepoint per line, so a failed line
// changes nothing and a re-run skips what is already there.
import { timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EXPIRATION_MINUTES, MAX_TOTPS_PER_USER } from '../constants/totp.constants';
import type { Database } from '../db/database';
import { insertStatement } from '../db/row-mapper';
import { sql } from '../db/sql';
import type { Envelope } from '../crypto/envelope';
import type { KeyedHasher } from '../crypto/keyed-hash';
import type { Clock } from '../common/clock';
import { MINUTE_MS } from '../common/clock';
import { newId } from '../common/ids';
import { GatewayError } from '../errors/error.catalogue';
import { User } from '../users/user.entity';
import type { UserService } from '../users/user.service';
import { parseUserId } from '../users/user.service';
import { CreateUserInput } from '../users/user.inputs';
import { normalizeEmail } from '../users/identity.normalize';
import { validateInput } from '../graphql/validation';
import { ProjectNotFoundError } from '../projects/project.errors';
import { DuplicateEmailError, UserNotFoundError } from '../users/user.errors';
import { isUniqueViolation } from '../errors/database.faults';
import { Totp } from './totp.entity';
import { ActiveTotpExistsError } from './totp.errors';
import { insertRecoveryCodes, type RecoveryCodeKeys } from './recovery-code.store';
import { prepareImport, type ImportRequest, type PreparedImport } from './totp-import.rules';
import { NO_EVENTS, type EventSink } from '../webhooks/webhook.outbox';
import type { WebhookEvent, WebhookEventBatch } from '../webhooks/webhook.events';

const USER_TOTPS = 'SELECT id, verified, secret_ciphertext FROM totps WHERE user_id = ? AND project_id = ?';
const LOCK_USER = 'SELECT id FROM users WHERE id = ? AND project_id = ?';
const PROJECT_LIMIT = 'SELECT max_totps_per_user FROM projects WHERE id = ?';
const DELETE_PENDING = 'DELETE FROM totps WHERE user_id = ? AND project_id = ? AND verified = FALSE';

/** What one import stored: the new TOTP's id and the recovery codes minted for it (empty when they were given). */
export interface ImportedTotp {
  readonly totpId: string;
  readonly userId: string;
  readonly recoveryCodes: string[];
  /** True when this import created its user (a line of an import file). */
  readonly userCreated: boolean;
}

/** How a line of an import file names its user. */
export interface UserRef {
  readonly userId?: string;
  readonly email?: string;
  readonly externalId?: string;
}

/** The user a line names; `newUser` when it does not exist yet and the line's import creates it. */
export interface ResolvedUser {
  readonly userId: string;
  readonly newUser?: User;
}

/**
 * A user reference checked: a user id (string), or the createUser input of an email / external id
 * with the email in its normal form.
 */
async function readUserRef(ref: UserRef): Promise<string | CreateUserInput> {
  if (ref.userId !== undefined) return parseUserId(ref.userId);
  if (ref.externalId === undefined && ref.email === undefined) {
    throw new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_argument', message: 'Name the user with email, userId or externalId.', details: { field: 'email' } });
  }
  const input = Object.assign(new CreateUserInput(), { email: ref.email, externalId: ref.externalId });
  await validateInput(input);
  if (input.email != null) input.email = normalizeEmail(input.email) ?? input.email;
  return input;
}

/** A coded error as a value (the line's answer); anything else is thrown on. */
function rethrowUnlessCoded(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  throw error;
}

/** One line of a batch: the user it is for and the checked request. */
export interface ImportLine {
  readonly userId: string;
  readonly prepared: PreparedImport;
  /** The user row to insert first when the user does not exist yet (resolveUsers). */
  readonly newUser?: User;
}

/** A line's outcome in a batch: imported, or the coded error that left it unwritten. */
export type LineOutcome = { readonly ok: true; readonly imported: ImportedTotp } | { readonly ok: false; readonly error: GatewayError };

export class TotpImportService {
  private readonly keys: RecoveryCodeKeys;

  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    hasher: KeyedHasher,
    private readonly users: UserService,
    private readonly clock: Clock,
    options: { retrievableRecoveryCodes: boolean },
    private readonly events: EventSink = NO_EVENTS,
  ) {
    this.keys = { hasher, envelope, retrievable: options.retrievableRecoveryCodes };
  }

  /**
   * importTotp / POST /v1/totps/migrate: stores the user's existing registration as a TOTP (verified
   * unless `verified: false`), with the given recovery codes or ten minted ones, returned once.
   * @throws GatewayError INVALID_USER_ID, USER_NOT_FOUND, the rule errors of prepareImport,
   *   ACTIVE_TOTP_EXISTS (the project's maxTotpsPerUser verified TOTPs already), DUPLICATE_TOTP_SECRET.
   */
  async importOne(projectId: string, userIdInput: unknown, request: ImportRequest): Promise<ImportedTotp & { user: User }> {
    const userId = parseUserId(userIdInput);
    const prepared = prepareImport(request);
    return this.db.write(async (m) => {
      const imported = await this.importInto(m, projectId, await this.limitOf(m, projectId), { userId, prepared });
      return { ...imported, user: await this.users.require(m, projectId, userId) };
    });
  }

  /**
   * Many imports in one transaction, each in its own savepoint: a line that fails is rolled back to
   * its savepoint (and answered with its coded error) while the others commit together. A failure that
   * is no GatewayError (the database itself) fails the whole batch, which then writes nothing.
   */
  async importBatch(projectId: string, lines: readonly ImportLine[]): Promise<LineOutcome[]> {
    return this.db.write(async (m) => {
      const limit = await this.limitOf(m, projectId);
      const outcomes: LineOutcome[] = [];
      for (const line of lines) {
        await sql(m, 'SAVEPOINT import_line', []);
        try {
          const imported = await this.importInto(m, projectId, limit, line);
          await sql(m, 'RELEASE SAVEPOINT import_line', []);
          outcomes.push({ ok: true, imported });
        } catch (error) {
          await sql(m, 'ROLLBACK TO SAVEPOINT import_line', []);
          await sql(m, 'RELEASE SAVEPOINT import_line', []);
          if (!(error instanceof GatewayError)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  /** Throws ProjectNotFoundError (an operator's error, CLI only) unless the project exists. */
  async requireProject(projectId: string): Promise<void> {
    const { rows } = await this.db.read((m) => sql(m, 'SELECT 1 AS found FROM projects WHERE id = ?', [projectId]));
    if (!rows.length) throw new ProjectNotFoundError();
  }

  /**
   * The users the lines of an import file name, in order, read once for the whole batch: by user id
   * (as given; the import itself checks it), else by external id, else by email (normalised as
   * createUser stores it). A user named by an email that no user has is planned, not written: the
   * answer carries the row to create (createUser's defaults), which the line's own savepoint inserts
   * (importBatch), so a line that fails leaves no user behind. Lines naming the same new email share
   * one planned row; the first of them that succeeds creates it.
   * Each answer is the user, or the coded error for that line: INVALID_USER_ID, BAD_USER_INPUT
   * (`invalid_email`, `invalid_external_id`, `invalid_argument` when the line names no user),
   * USER_NOT_FOUND (an external id without an email to create the user with).
   */
  async resolveUsers(projectId: string, refs: readonly UserRef[]): Promise<Array<ResolvedUser | GatewayError>> {
    const inputs = await Promise.all(refs.map((ref) => readUserRef(ref).catch((error: unknown) => rethrowUnlessCoded(error))));
    const known = await this.knownUsers(projectId, inputs.filter((i): i is CreateUserInput => i instanceof CreateUserInput));
    const planned = new Map<string, User>();
    return inputs.map((input) => {
      if (input instanceof GatewayError) return input;
      if (typeof input === 'string') return { userId: input };
      const found = (input.externalId != null && known.get(`x:${input.externalId}`)) || (input.email != null && known.get(`e:${input.email}`));
      if (found) return { userId: found };
      if (input.email == null) return new GatewayError('USER_NOT_FOUND', { message: 'No user has this externalId; add an email to create one.' });
      let row = planned.get(input.email);
      if (!row) planned.set(input.email, (row = newUserRow(projectId, input, this.clock.now())));
      return { userId: row.userId, newUser: row };
    });
  }

  /** The ids of the users with these emails (normalised) or external ids, keyed `e:EMAIL` and `x:EXTERNAL_ID`. */
  private async knownUsers(projectId: string, inputs: readonly CreateUserInput[]): Promise<Map<string, string>> {
    const emails = [...new Set(inputs.flatMap((i) => (i.email == null ? [] : [i.email])))];
    const externalIds = [...new Set(inputs.flatMap((i) => (i.externalId == null ? [] : [i.externalId])))];
    const known = new Map<string, string>();
    if (!emails.length && !externalIds.length) return known;
    // Two look-ups, each on its unique index (project_id, email) / (project_id, external_id); an OR of
    // both would scan the table once per batch.
    const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
    const rows = await this.db.read(async (m) => {
      const select = (column: 'email' | 'external_id', values: string[]) =>
        values.length
          ? sql<{ id: string; email: string | null; external_id: string | null }>(m, `SELECT id, email, external_id FROM users WHERE project_id = ? AND ${column} IN (${marks(values.length)})`, [projectId, ...values]).then((r) => r.rows)
          : [];
      return [...(await select('email', emails)), ...(await select('external_id', externalIds))];
    });
    for (const row of rows) {
      if (row.email !== null) known.set(`e:${row.email}`, row.id);
      if (row.external_id !== null) known.set(`x:${row.external_id}`, row.id);
    }
    return known;
  }

  /**
   * The import inside the caller's transaction, under the user's row lock (as createTotp), with the
   * project's maxTotpsPerUser as `limit` (read in the same transaction): refuses a
   * secret the user already has (compared decrypted, in constant time: no new fingerprint of secrets
   * is stored) and a user at the project's limit of verified TOTPs; with a limit of one, a pending
   * (unverified) enrollment is replaced, as createTotp replaces it.
   */
  private async importInto(m: EntityManager, projectId: string, limit: number, { userId, prepared, newUser }: ImportLine): Promise<ImportedTotp> {
    // UserService.lock's row lock in raw SQL: a batch takes it once per line (src/db/sql.ts says why).
    const { rows: owner } = await sql(m, this.db.dialect === 'postgres' ? `${LOCK_USER} FOR UPDATE` : LOCK_USER, [userId, projectId]);
    const userCreated = !owner.length && newUser !== undefined;
    if (userCreated) await insertUser(m, newUser);
    else if (!owner.length) throw new UserNotFoundError();
    const { rows: existing } = await sql<{ id: string; verified: unknown; secret_ciphertext: string }>(m, USER_TOTPS, [userId, projectId]);
    for (const totp of existing) {
      if (sameSecret(this.envelope.decrypt(totp.secret_ciphertext, totp.id), prepared.secret)) throw new GatewayError('DUPLICATE_TOTP_SECRET', { details: { totpId: totp.id } });
    }
    const verified = existing.filter((t) => Boolean(t.verified)).length;
    if (verified >= limit) {
      throw new ActiveTotpExistsError(
        limit === 1 ? undefined : { message: `The user already has ${limit} verified TOTPs, the project's maxTotpsPerUser; delete one first.`, details: { maxTotpsPerUser: limit } },
      );
    }
    if (limit === 1 && existing.length) await sql(m, DELETE_PENDING, [userId, projectId]);
    const totp = this.newTotp(projectId, userId, prepared);
    const insert = insertStatement(m, Totp, totp);
    await sql(m, insert.text, insert.params);
    await insertRecoveryCodes(m, this.keys, totp.totpId, prepared.recoveryCodes);
    await this.events.enqueue(m, importEvents(projectId, userId, totp, userCreated));
    return { totpId: totp.totpId, userId, recoveryCodes: prepared.minted ? prepared.recoveryCodes : [], userCreated };
  }

  private async limitOf(m: EntityManager, projectId: string): Promise<number> {
    const { rows } = await sql<{ max_totps_per_user: number | null }>(m, PROJECT_LIMIT, [projectId]);
    return Number(rows[0]?.max_totps_per_user ?? MAX_TOTPS_PER_USER.default);
  }

  private newTotp(projectId: string, userId: string, prepared: PreparedImport): Totp {
    const nowMs = this.clock.now();
    const totp = Object.assign(new Totp(), {
      totpId: newId('totp'),
      projectId,
      userId,
      verified: prepared.verified,
      lastStep: 0,
      // Only an unverified import expires (createTotp's default window); a verified one ignores it.
      expiresAt: new Date(nowMs + EXPIRATION_MINUTES.default * MINUTE_MS),
      createdAt: new Date(nowMs),
      verifiedAt: prepared.verified ? new Date(nowMs) : null,
      lastUsedAt: null,
      label: prepared.label,
      algorithm: prepared.algorithm,
      digits: prepared.digits,
      periodSeconds: prepared.periodSeconds,
    });
    totp.secretCiphertext = this.envelope.encrypt(prepared.secret, totp.totpId);
    return totp;
  }
}

/**
 * A new user's row with createUser's defaults (UserService.create builds the same; it writes in a
 * transaction of its own, and an import file's line must create its user inside the line's savepoint).
 * `input` has passed CreateUserInput's validation and holds the email in its normal form.
 */
function newUserRow(projectId: string, input: CreateUserInput, nowMs: number): User {
  return Object.assign(new User(), {
    userId: newId('user'),
    projectId,
    email: input.email ?? null,
    phoneNumber: null,
    firstName: null,
    middleName: null,
    lastName: null,
    status: 'active',
    externalId: input.externalId ?? null,
    trustedMetadata: {},
    untrustedMetadata: {},
    failedAttempts: 0,
    lockDeadline: null,
    createdAt: new Date(nowMs),
  });
}

/** Inserts a planned user; an email or external id taken meanwhile (by another writer) is the line's DUPLICATE_EMAIL. */
async function insertUser(m: EntityManager, user: User): Promise<void> {
  const insert = insertStatement(m, User, user);
  try {
    await sql(m, insert.text, insert.params);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new DuplicateEmailError({ cause: error, message: 'A user with this email or externalId was created meanwhile; run the import again to use that user.' });
  }
}

/** Equal secrets, compared in time that depends only on their lengths (a length is no secret here). */
function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The webhook events of one imported TOTP: its user if created, the TOTP, and its verification if imported verified. */
function importEvents(projectId: string, userId: string, totp: Totp, userCreated: boolean): WebhookEventBatch {
  const data = { userId, totpId: totp.totpId };
  const events: WebhookEvent[] = [];
  if (userCreated) events.push({ type: 'user.created', data: { userId } });
  events.push({ type: 'totp.created', data });
  if (totp.verified) events.push({ type: 'totp.verified', data });
  return { projectId, userId, occurredAtMs: totp.createdAt.getTime(), events };
}
