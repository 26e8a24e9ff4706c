// TOTP parameters and several authenticators per user: each TOTP has a label, its RFC 6238 parameters
// (algorithm, digits, time step) and when it was last used; each project has the most TOTPs a user may
// hold and the parameters new enrollments get. Existing rows get the values they were made with
// (SHA1, 6 digits, 30 s, one TOTP per user). Table API, so one migration serves SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

export class TotpParameters1764979200000 implements MigrationInterface {
  name = 'TotpParameters1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('totps', [
      new TableColumn({ name: 'label', type: 'varchar', length: '64', default: "'Authenticator app'" }),
      new TableColumn({ name: 'algorithm', type: 'varchar', length: '8', default: "'SHA1'" }),
      new TableColumn({ name: 'digits', type: 'integer', default: 6 }),
      new TableColumn({ name: 'period_seconds', type: 'integer', default: 30 }),
      new TableColumn({ name: 'last_used_at', type: 'bigint', isNullable: true }),
    ]);
    await q.addColumns('projects', [
      new TableColumn({ name: 'max_totps_per_user', type: 'integer', default: 1 }),
      new TableColumn({ name: 'totp_algorithm', type: 'varchar', length: '8', default: "'SHA1'" }),
      new TableColumn({ name: 'totp_digits', type: 'integer', default: 6 }),
      new TableColumn({ name: 'totp_period_seconds', type: 'integer', default: 30 }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumns('projects', ['totp_period_seconds', 'totp_digits', 'totp_algorithm', 'max_totps_per_user']);
    await q.dropColumns('totps', ['last_used_at', 'period_seconds', 'digits', 'algorithm', 'label']);
  }
}
