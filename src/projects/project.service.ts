// Projects and their API secrets. A secret is 256 random bits, shown once and stored as a keyed hash;
// a project may hold several so a backend can rotate without downtime.
import type { MfaPolicy } from '../constants/assurance.constants';
import { randomBytes } from 'node:crypto';
import { IsNull, type EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow } from '../db/database';
import { sql } from '../db/sql';
import type { KeyedHasher } from '../crypto/keyed-hash';
import type { Clock } from '../common/clock';
import { isId, newId } from '../common/ids';
import { Project } from './project.entity';
import { ProjectSecret } from './project-secret.entity';
import { ProjectOrigin } from './project-origin.entity';
import { InvalidOriginError, OriginNotFoundError, ProjectNotFoundError, SecretNotFoundError } from './project.errors';
import { parseOrigin } from './origin';
import { projectName } from './project-name.rules';
import { parseBasicAuth } from '../http/basic-auth';

const SECRET_BYTES = 32;
const DEFAULT_PROJECT_NAME = 'Default';
/** Advisory lock key for creating the Default project ("default" in ASCII). */
const DEFAULT_PROJECT_LOCK_KEY = 0x64656661756c74;

const authenticateQueries = new Map<number, string>();

/** One `?` per hash candidate (one per key in the keyring), then the project id. */
function authenticateQuery(candidates: number): string {
  let query = authenticateQueries.get(candidates);
  if (!query) {
    query = `SELECT s.id AS "secretId", p.id AS "projectId", p.name AS "name", p.mfa_policy AS "mfaPolicy" FROM project_secrets s JOIN projects p ON p.id = s.project_id
      WHERE s.secret_hash IN (${Array(candidates).fill('?').join(', ')}) AND s.project_id = ? AND s.revoked_at IS NULL`;
    authenticateQueries.set(candidates, query);
  }
  return query;
}

export interface ProjectCredentials {
  readonly projectId: string;
  readonly secretId: string;
  readonly secret: string;
}

/** A project as requests see it: its id, and its name (the authenticator app's issuer). */
export interface ProjectRef {
  readonly projectId: string;
  readonly name: string;
  /** Read with the credentials (same row, no extra query): authenticateSession and session callers apply it. */
  readonly mfaPolicy: MfaPolicy;
}

/** Who is calling: resolved from `Authorization: Basic` on every request. */
export interface AuthenticatedProject extends ProjectRef {
  readonly secretId: string;
}

const PUBLIC_TOKEN_QUERY = 'SELECT id AS "projectId", name AS "name", mfa_policy AS "mfaPolicy" FROM projects WHERE public_token = ?';
const ORIGIN_ALLOWED_QUERY = 'SELECT 1 AS "allowed" FROM project_origins WHERE project_id = ? AND origin = ?';
const ORIGIN_KNOWN_QUERY = 'SELECT 1 AS "allowed" FROM project_origins WHERE origin = ? LIMIT 1';

export class ProjectService {
  constructor(
    private readonly db: Database,
    private readonly hasher: KeyedHasher,
    private readonly clock: Clock,
  ) {}

  /** Creates a project named `name` (see projectName: InvalidProjectNameError, and nothing written, for a bad one); returns its first credentials. */
  async create(name: string): Promise<ProjectCredentials & { publicToken: string }> {
    const stored = projectName(name);
    return this.db.write((m) => this.insertProject(m, stored));
  }

  /**
   * Creates the `Default` project when the database has none; returns its credentials only then.
   * Exclusive, so processes starting together on one database create it once.
   */
  async ensureDefault(): Promise<(ProjectCredentials & { publicToken: string }) | null> {
    if (await this.db.read((m) => m.exists(Project))) return null;
    return this.db.exclusive(DEFAULT_PROJECT_LOCK_KEY, async (m) => {
      return (await m.exists(Project)) ? null : this.insertProject(m, DEFAULT_PROJECT_NAME);
    });
  }

  async createSecret(projectId: string): Promise<ProjectCredentials> {
    return this.db.write(async (m) => {
      if (!(await m.exists(Project, { where: { projectId } }))) throw new ProjectNotFoundError();
      return this.addSecret(m, projectId);
    });
  }

  async revokeSecret(projectId: string, secretId: string): Promise<void> {
    const result = await this.db.write((m) =>
      m.update(ProjectSecret, { secretId, projectId, revokedAt: IsNull() }, { revokedAt: new Date(this.clock.now()) }),
    );
    if (!result.affected) throw new SecretNotFoundError();
  }

  /** The project's public token (made now for a project that somehow has none). */
  async publicToken(projectId: string): Promise<string> {
    return this.db.write(async (m) => {
      // Locked: two concurrent calls must not each make a token and leave only the later working.
      const project = await m.findOne(Project, { where: { projectId }, lock: this.db.rowLock });
      if (!project) throw new ProjectNotFoundError();
      if (project.publicToken) return project.publicToken;
      const publicToken = newId('public-token');
      await m.update(Project, { projectId }, { publicToken });
      return publicToken;
    });
  }

  /** The project a public token names, or null. Raw SQL: every session caller's request asks. */
  async byPublicToken(publicToken: string): Promise<ProjectRef | null> {
    if (!isId('public-token', publicToken)) return null;
    const { rows } = await this.db.read((m) => sql<ProjectRef>(m, PUBLIC_TOKEN_QUERY, [publicToken]));
    return rows[0] ?? null;
  }

  /** Allows a browser origin (scheme://host[:port]) to call with this project's public token. */
  async addOrigin(projectId: string, origin: string): Promise<string> {
    const parsed = parseOrigin(origin);
    if (!parsed) throw new InvalidOriginError(origin);
    return this.db.write(async (m) => {
      // The project row lock serialises concurrent adds of one origin: the second sees the first's row.
      if (!(await m.findOne(Project, { where: { projectId }, select: { projectId: true }, lock: this.db.rowLock }))) throw new ProjectNotFoundError();
      if (!(await m.exists(ProjectOrigin, { where: { projectId, origin: parsed } }))) {
        await insertRow(m, ProjectOrigin, Object.assign(new ProjectOrigin(), { projectId, origin: parsed, createdAt: new Date(this.clock.now()) }));
      }
      return parsed;
    });
  }

  async removeOrigin(projectId: string, origin: string): Promise<string> {
    const parsed = parseOrigin(origin) ?? origin;
    const result = await this.db.write(async (m) => {
      if (!(await m.exists(Project, { where: { projectId } }))) throw new ProjectNotFoundError();
      return m.delete(ProjectOrigin, { projectId, origin: parsed });
    });
    if (!result.affected) throw new OriginNotFoundError();
    return parsed;
  }

  async listOrigins(projectId: string): Promise<string[]> {
    return this.db.read(async (m) => {
      if (!(await m.exists(Project, { where: { projectId } }))) throw new ProjectNotFoundError();
      const rows = await m.find(ProjectOrigin, { where: { projectId }, order: { origin: 'ASC' } });
      return rows.map((r) => r.origin);
    });
  }

  /**
   * Whether `origin` may call as this project (projectId given) or as any project (a CORS preflight
   * carries no token, so it can only be answered by origin). Read on every request: a removed
   * origin stops working at once, in every process.
   */
  async originAllowed(origin: string, projectId?: string): Promise<boolean> {
    const { rows } = await this.db.read((m) =>
      projectId === undefined ? sql(m, ORIGIN_KNOWN_QUERY, [origin]) : sql(m, ORIGIN_ALLOWED_QUERY, [projectId, origin]),
    );
    return rows.length > 0;
  }

  async list(): Promise<Array<Project & { secrets: ProjectSecret[] }>> {
    return this.db.read(async (m) => {
      const projects = await m.find(Project, { order: { createdAt: 'ASC' } });
      const secrets = await m.find(ProjectSecret, { where: { revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
      return projects.map((p) => Object.assign(p, { secrets: secrets.filter((s) => s.projectId === p.projectId) }));
    });
  }

  /** The project an `Authorization: Basic` header opens, or null: GraphQL and REST ask alike. */
  async authenticateBasic(authorization: string | undefined): Promise<AuthenticatedProject | null> {
    const credentials = parseBasicAuth(authorization);
    return credentials ? this.authenticate(credentials.username, credentials.password) : null;
  }

  /** The project a (projectId, secret) pair opens, or null. Revoked secrets never match. */
  async authenticate(projectId: string, secret: string): Promise<AuthenticatedProject | null> {
    if (!isId('project', projectId) || !secret) return null;
    // Raw SQL: this runs on every request (src/db/sql.ts says why).
    const candidates = this.hasher.candidates(secret);
    const { rows } = await this.db.read((m) =>
      sql<AuthenticatedProject>(m, authenticateQuery(candidates.length), [...candidates, projectId]),
    );
    const row = rows[0];
    return row ?? null;
  }

  private async insertProject(m: EntityManager, name: string): Promise<ProjectCredentials & { publicToken: string }> {
    const publicToken = newId('public-token');
    const project = Object.assign(new Project(), { projectId: newId('project'), name, publicToken, createdAt: new Date(this.clock.now()) });
    await insertRow(m, Project, project);
    return { ...(await this.addSecret(m, project.projectId)), publicToken };
  }

  private async addSecret(m: EntityManager, projectId: string): Promise<ProjectCredentials> {
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    const row = Object.assign(new ProjectSecret(), {
      secretId: newId('secret'),
      projectId,
      secretHash: this.hasher.hash(secret),
      createdAt: new Date(this.clock.now()),
      revokedAt: null,
    });
    await insertRow(m, ProjectSecret, row);
    return { projectId, secretId: row.secretId, secret };
  }
}
