// Finding users (users query, POST /v1/users/search): pages are read in (created_at, id) order within
// a project, by keyset from the cursor's user, so one index serves every page at any depth. Email,
// phone number and external id filters already have their unique (project_id, ...) indexes, and the
// TOTP filters their idx_totps_user. Table API, so one migration serves SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

export class UserSearch1765065600002 implements MigrationInterface {
  name = 'UserSearch1765065600002';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('users', new TableIndex({ name: 'idx_users_project_created', columnNames: ['project_id', 'created_at', 'id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('users', 'idx_users_project_created');
  }
}
