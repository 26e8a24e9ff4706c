// A project's assurance settings: its MFA policy (OPTIONAL by default, as before), whether it issues
// remembered devices (off by default) and whether a remembered device counts towards AAL2 (no by
// default: NIST SP 800-63B counts only authenticators it names). Existing projects keep their behaviour.
// Table API, so one migration serves SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

export class ProjectAssurance1765238400000 implements MigrationInterface {
  name = 'ProjectAssurance1765238400000';

  async up(q: QueryRunner): Promise<void> {
    // A boolean's false as each dialect spells the default TypeORM compares entities against
    // (SQLite stores booleans as 0/1; PostgreSQL has a boolean type).
    const off = q.connection.driver.options.type === 'postgres' ? 'false' : '0';
    await q.addColumns('projects', [
      new TableColumn({ name: 'mfa_policy', type: 'varchar', length: '16', default: "'OPTIONAL'" }),
      new TableColumn({ name: 'remember_devices', type: 'boolean', default: off }),
      new TableColumn({ name: 'remembered_device_aal2', type: 'boolean', default: off }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumns('projects', ['remembered_device_aal2', 'remember_devices', 'mfa_policy']);
  }
}
