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
import type { User } from '../users/user.entity';
import type { UserService } from '../users/user.service';
import { parseUserId } from '../users/user.service';
import { CreateUserInput } from '../users/user.inputs';
import { normalizeEmail } from '../users/identity.normalize';
import { validateInput } from '../graphql/validation';
import { ProjectNotFoundError } from '../projects/project.errors';
import { Totp } from './totp.entity';
import { ActiveTotpExistsError } from './totp.errors';
import { insertRecoveryCodes, type RecoveryCodeKeys } from './recovery-code.store';
import { prepareImport, type ImportRequest, type PreparedImport } from './totp-import.rules';

const USER_TOTPS = 'SELECT id, verified, secret_ciphertext FROM totps WHERE user_id = ? AND project_id = ?';
const PROJECT_LIMIT = 'SELECT max_totps_per_user FROM projects WHERE id = ?';
const DELETE_PENDING = 'DELETE FROM totps WHERE user_id = ? AND project_id = ? AND verified = FALSE';

/** What one import stored: the new TOTP's id and the recovery codes minted for it (empty when they were given). */
export interface ImportedTotp {
  readonly totpId: string;
  readonly userId: string;
  readonly recoveryCodes: string[];
}

/** One line of a batch: the user it is for and the checked request. */
export interface ImportLine {
  readonly userId: string;
  readonly prepared: PreparedImport;
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
      const imported = await this.importInto(m, projectId, { userId, prepared });
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
      const outcomes: LineOutcome[] = [];
      for (const line of lines) {
        await sql(m, 'SAVEPOINT import_line', []);
        try {
          const imported = await this.importInto(m, projectId, line);
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
   * The user a line of an import file names: by user id (as given; the import itself checks it), else
   * by external id, else by email (normalised as createUser stores it); a user named by email that
   * does not exist is created (UserService.create, with the external id when given).
   * @throws GatewayError INVALID_USER_ID, BAD_USER_INPUT (`invalid_email`, `invalid_external_id`,
   *   `invalid_argument` when the line names no user), USER_NOT_FOUND (an external id without an
   *   email to create the user with), DUPLICATE_EMAIL / DUPLICATE_EXTERNAL_ID (the email and the
   *   external id belong to different users).
   */
  async resolveUser(projectId: string, ref: { userId?: string; email?: string; externalId?: string }): Promise<{ userId: string; created: boolean }> {
    if (ref.userId !== undefined) return { userId: parseUserId(ref.userId), created: false };
    if (ref.externalId === undefined && ref.email === undefined) {
      throw new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_argument', message: 'Name the user with email, userId or externalId.', details: { field: 'email' } });
    }
    const input = Object.assign(new CreateUserInput(), { email: ref.email, externalId: ref.externalId });
    await validateInput(input);
    const email = input.email == null ? null : normalizeEmail(input.email);
    const found = await this.db.read(async (m) => {
      if (input.externalId != null) {
        const { rows } = await sql<{ id: string }>(m, 'SELECT id FROM users WHERE project_id = ? AND external_id = ?', [projectId, input.externalId]);
        if (rows.length) return rows[0].id;
      }
      if (email === null) return undefined;
      const { rows } = await sql<{ id: string }>(m, 'SELECT id FROM users WHERE project_id = ? AND email = ?', [projectId, email]);
      return rows[0]?.id;
    });
    if (found) return { userId: found, created: false };
    if (email === null) throw new GatewayError('USER_NOT_FOUND', { message: 'No user has this externalId; add an email to create one.' });
    return { userId: (await this.users.create(projectId, input)).userId, created: true };
  }

  /**
   * The import inside the caller's transaction, under the user's row lock (as createTotp): refuses a
   * secret the user already has (compared decrypted, in constant time: no new fingerprint of secrets
   * is stored) and a user at the project's limit of verified TOTPs; with a limit of one, a pending
   * (unverified) enrollment is replaced, as createTotp replaces it.
   */
  private async importInto(m: EntityManager, projectId: string, { userId, prepared }: ImportLine): Promise<ImportedTotp> {
    await this.users.lock(m, projectId, userId);
    const { rows: existing } = await sql<{ id: string; verified: unknown; secret_ciphertext: string }>(m, USER_TOTPS, [userId, projectId]);
    for (const totp of existing) {
      if (sameSecret(this.envelope.decrypt(totp.secret_ciphertext, totp.id), prepared.secret)) throw new GatewayError('DUPLICATE_TOTP_SECRET', { details: { totpId: totp.id } });
    }
    const limit = await this.limitOf(m, projectId);
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
    return { totpId: totp.totpId, userId, recoveryCodes: prepared.minted ? prepared.recoveryCodes : [] };
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

/** Equal secrets, compared in time that depends only on their lengths (a length is no secret here). */
function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
