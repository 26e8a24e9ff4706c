// Rewrites every stored email and phone number into the normal form new users get
// (src/users/identity.normalize.ts), then adds the unique index on (project_id, phone_number).
// Users that turn out to share an identifier are never merged or deleted: the migration stops,
// names them, and changes nothing (its transaction rolls back); README "Operations" says how to resolve it.
import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';
import { normalizeStoredIdentities, type IdentityCollision } from '../users/identity.normalize';

const PHONE_INDEX = 'uq_users_project_phone_number';

/**
 * The refusal an operator reads: every colliding group with its project, the field and the user ids
 * (not the address or number itself, which is personal data and would reach logs).
 */
class IdentityCollisionError extends Error {
  constructor(readonly collisions: readonly IdentityCollision[]) {
    const groups = collisions.map((c) => `project ${c.projectId}: users ${c.userIds.join(', ')} share one ${c.field}`);
    super(
      `IdentityNormalization1764633600000 refused: ${collisions.length} group(s) of users would share an email or phone number ` +
        `once normalised (Unicode NFC, quoting, width and case folding, IDNA domain, E.164 without trunk prefixes), and users are never merged or deleted automatically. ` +
        `Keep one user of each group and delete or change the others (README, Operations, "Identity collisions"), then migrate again. ` +
        `${groups.join('; ')}.`,
    );
    this.name = 'IdentityCollisionError';
  }
}

export class IdentityNormalization1764633600000 implements MigrationInterface {
  name = 'IdentityNormalization1764633600000';

  async up(q: QueryRunner): Promise<void> {
    const rows = (await q.query('SELECT id, project_id, email, phone_number FROM users')) as Array<{
      id: string;
      project_id: string;
      email: string | null;
      phone_number: string | null;
    }>;
    const stored = rows.map((r) => ({ id: r.id, projectId: r.project_id, email: r.email, phoneNumber: r.phone_number }));
    const { normalized, collisions } = normalizeStoredIdentities(stored);
    if (collisions.length) throw new IdentityCollisionError(collisions);

    // No collision means no normal form is held by another row, so no UPDATE can hit the email index.
    const [first, second, third] = q.connection.driver.options.type === 'postgres' ? ['$1', '$2', '$3'] : ['?', '?', '?'];
    for (const [i, row] of normalized.entries()) {
      if (row.email === stored[i].email && row.phoneNumber === stored[i].phoneNumber) continue;
      await q.query(`UPDATE users SET email = ${first}, phone_number = ${second} WHERE id = ${third}`, [row.email, row.phoneNumber, row.id]);
    }
    await q.createIndex('users', new TableIndex({ name: PHONE_INDEX, columnNames: ['project_id', 'phone_number'], isUnique: true }));
  }

  /** Drops the index; the normalised values stay (the old spellings are not kept). */
  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('users', PHONE_INDEX);
  }
}
