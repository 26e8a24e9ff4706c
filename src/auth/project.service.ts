// Projects and their API secrets. A secret is 256 random bits, shown once and stored as a keyed hash;
// a project may hold several so a backend can rotate without downtime.
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
import { ProjectNotFoundError, SecretNotFoundError } from './auth.errors';

const SECRET_BYTES = 32;
export const DEFAULT_PROJECT_NAME = 'Default';
/** Advisory lock key for creating the Default project ("default" in ASCII). */
const DEFAULT_PROJECT_LOCK_KEY = 0x64656661756c74;

const authenticateQueries = new Map<number, string>();

/** One `?` per hash candidate (one per key in the keyring), then the project id. */
function authenticateQuery(candidates: number): string {
  let query = authenticateQueries.get(candidates);
  if (!query) {
    query = `SELECT s.id AS "secretId", p.id AS "projectId", p.name AS "name" FROM project_secrets s JOIN projects p ON p.id = s.project_id
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

/** Who is calling: resolved from `Authorization: Basic` on every request. */
export interface AuthenticatedProject {
  readonly projectId: string;
  readonly name: string;
  readonly secretId: string;
}

export class ProjectService {
  constructor(
    private readonly db: Database,
    private readonly hasher: KeyedHasher,
    private readonly clock: Clock,
  ) {}

  async create(name: string): Promise<ProjectCredentials> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 255) throw new RangeError('A project name is 1 to 255 characters.');
    return this.db.write((m) => this.insertProject(m, trimmed));
  }

  /**
   * Creates the `Default` project when the database has none; returns its credentials only then.
   * Exclusive, so processes starting together on one database create it once.
   */
  async ensureDefault(): Promise<ProjectCredentials | null> {
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

  async list(): Promise<Array<Project & { secrets: ProjectSecret[] }>> {
    return this.db.read(async (m) => {
      const projects = await m.find(Project, { order: { createdAt: 'ASC' } });
      const secrets = await m.find(ProjectSecret, { where: { revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
      return projects.map((p) => Object.assign(p, { secrets: secrets.filter((s) => s.projectId === p.projectId) }));
    });
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

  private async insertProject(m: EntityManager, name: string): Promise<ProjectCredentials> {
    const project = Object.assign(new Project(), { projectId: newId('project'), name, createdAt: new Date(this.clock.now()) });
    await insertRow(m, Project, project);
    return this.addSecret(m, project.projectId);
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
