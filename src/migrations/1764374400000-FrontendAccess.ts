// Frontend access: each project's public token, filled in for existing projects, and the
// browser origins allowed to use it. Table API, so one migration serves SQLite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

export class FrontendAccess1764374400000 implements MigrationInterface {
  name = 'FrontendAccess1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('projects', new TableColumn({ name: 'public_token', type: 'varchar', length: '64', isNullable: true }));
    const projects = (await q.query('SELECT id FROM projects')) as Array<{ id: string }>;
    const placeholder = q.connection.driver.options.type === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    for (const { id } of projects) {
      await q.query(`UPDATE projects SET public_token = ${placeholder[0]} WHERE id = ${placeholder[1]}`, [`public-token-${randomUUID()}`, id]);
    }
    await q.createIndex('projects', new TableIndex({ name: 'uq_projects_public_token', columnNames: ['public_token'], isUnique: true }));
    await q.createTable(new Table({
      name: 'project_origins',
      columns: [
        { name: 'project_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'origin', type: 'varchar', length: '255', isPrimary: true },
        { name: 'created_at', type: 'bigint' },
      ],
      indices: [{ name: 'idx_project_origins_origin', columnNames: ['origin'] }],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('project_origins');
    await q.dropIndex('projects', 'uq_projects_public_token');
    await q.dropColumn('projects', 'public_token');
  }
}
