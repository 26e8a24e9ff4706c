// Re-encrypts every envelope (crypto/envelope.ts) still sealed under an older key to the primary key,
// so an old GATEWAY_ENCRYPTION_KEY can eventually be dropped: TOTP secrets (aad: TOTP id), JWT signing
// keys (aad: kid), retrievable recovery codes (aad: TOTP id) and webhook signing secrets (aad: endpoint id). Rows are walked in primary-key order,
// a batch per transaction; each row is rewritten only if it still holds the ciphertext that was read
// (a conditional UPDATE), so running it again, or next to live gateways, is safe. The envelope format
// is unchanged: a re-encrypted row simply names the new key id. Run it once every process has the new
// key as GATEWAY_ENCRYPTION_KEY: a process still on the old one writes rows a later run must pick up.
//
// Keyed hashes (session tokens, remembered-device tokens, recovery codes, project secrets; crypto/keyed-hash.ts) are NOT
// re-keyed, and cannot be: an HMAC is one-way and the plaintext is never stored. Rows hashed under an
// old key keep matching only while that key stays in GATEWAY_ENCRYPTION_KEYS_PREVIOUS; drop it once
// those sessions have expired, the recovery codes have been regenerated and the project secrets rotated.
import { IsNull, MoreThan, Not, type EntityManager, type EntityTarget, type FindOptionsSelect, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';
import type { Database } from '../db/database';
import type { Envelope } from '../crypto/envelope';
import { Totp } from '../totp/totp.entity';
import { RecoveryCode } from '../totp/recovery-code.entity';
import { SigningKey } from '../sessions/signing-key.entity';
import { sql } from '../db/sql';
import { secretAad } from '../webhooks/webhook-endpoint.service';

export interface KeyRotationCounts {
  /** TOTP secrets re-encrypted (`totps.secret_ciphertext`). */
  readonly totps: number;
  /** Private signing keys re-encrypted (`signing_keys.private_key_ciphertext`). */
  readonly signingKeys: number;
  /** Retrievable recovery codes re-encrypted (`totp_recovery_codes.code_ciphertext`). */
  readonly recoveryCodes: number;
  /** Webhook signing secrets re-encrypted (`webhook_endpoints.secret_ciphertext` and the previous one). */
  readonly webhookSecrets: number;
}

/** The sealed columns of webhook_endpoints (raw SQL: the feature has no TypeORM entity). */
const WEBHOOK_SECRET_COLUMNS = ['secret_ciphertext', 'previous_secret_ciphertext'] as const;

export const KEYED_HASH_NOTE =
  'Keyed hashes (session tokens, remembered-device tokens, recovery codes, project secrets) are one-way and cannot be re-keyed: ' +
  'keep the old key in GATEWAY_ENCRYPTION_KEYS_PREVIOUS until sessions and remembered devices made under it have expired, ' +
  'recovery codes have been regenerated and project secrets rotated.';

/** One encrypted column of one table: how to read a row's id, ciphertext and associated data. */
interface Target<T extends ObjectLiteral> {
  readonly entity: EntityTarget<T>;
  readonly label: string;
  readonly id: keyof T & string;
  readonly column: keyof T & string;
  /** Columns to load besides id and ciphertext (e.g. the TOTP id a recovery code is bound to). */
  readonly extra?: ReadonlyArray<keyof T & string>;
  readonly aad: (row: T) => string;
}

const TOTPS: Target<Totp> = { entity: Totp, label: 'TOTP', id: 'totpId', column: 'secretCiphertext', aad: (r) => r.totpId };
const SIGNING_KEYS: Target<SigningKey> = { entity: SigningKey, label: 'signing key', id: 'kid', column: 'privateKeyCiphertext', aad: (r) => r.kid };
const RECOVERY_CODES: Target<RecoveryCode> = {
  entity: RecoveryCode,
  label: 'recovery code',
  id: 'id',
  column: 'codeCiphertext',
  extra: ['totpId'],
  aad: (r) => r.totpId,
};

export class KeyRotationService {
  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly options: { batchSize?: number } = {},
  ) {}

  private get batchSize(): number {
    return Math.max(1, this.options.batchSize ?? 500);
  }

  /** Re-encrypts every stale envelope to the primary key; returns how many rows of each kind changed. */
  async rotate(): Promise<KeyRotationCounts> {
    const totps = await this.rotateAll(TOTPS);
    const signingKeys = await this.rotateAll(SIGNING_KEYS);
    const recoveryCodes = await this.rotateAll(RECOVERY_CODES);
    const webhookSecrets = await this.rotateWebhookSecrets();
    return { totps, signingKeys, recoveryCodes, webhookSecrets };
  }

  /** Webhook endpoints' secrets, a batch of endpoints per transaction in id order, as `rotateAll`. */
  private async rotateWebhookSecrets(): Promise<number> {
    let after = '';
    let rotated = 0;
    for (;;) {
      const batch = await this.db.write(async (m) => {
        const { rows } = await sql<{ id: string; secret_ciphertext: string; previous_secret_ciphertext: string | null }>(
          m,
          'SELECT id, secret_ciphertext, previous_secret_ciphertext FROM webhook_endpoints WHERE id > ? ORDER BY id LIMIT ?',
          [after, this.batchSize],
        );
        let changed = 0;
        for (const row of rows) {
          for (const column of WEBHOOK_SECRET_COLUMNS) {
            const sealed = row[column];
            if (sealed === null || !this.envelope.isStale(sealed)) continue;
            const plaintext = this.open(sealed, secretAad(row.id), 'webhook secret', row.id);
            const fresh = this.envelope.encrypt(plaintext, secretAad(row.id));
            plaintext.fill(0);
            // Conditional on the ciphertext just read, as in rotateBatch.
            changed += (await sql(m, `UPDATE webhook_endpoints SET ${column} = ? WHERE id = ? AND ${column} = ?`, [fresh, row.id, sealed])).affected;
          }
        }
        return { changed, last: rows.length === this.batchSize ? rows[rows.length - 1].id : undefined };
      });
      rotated += batch.changed;
      if (batch.last === undefined) return rotated;
      after = batch.last;
    }
  }

  /** Opens an envelope, or says which key to add to GATEWAY_ENCRYPTION_KEYS_PREVIOUS. */
  private open(sealed: string, aad: string, label: string, id: string): Buffer {
    try {
      return this.envelope.decrypt(sealed, aad);
    } catch {
      throw new Error(
        `cannot decrypt ${label} ${id} (sealed under key id ${sealed.split('.')[1]}): ` +
          'list that key in GATEWAY_ENCRYPTION_KEYS_PREVIOUS and run again.',
      );
    }
  }

  private async rotateAll<T extends ObjectLiteral>(target: Target<T>): Promise<number> {
    let after: string | undefined;
    let rotated = 0;
    for (;;) {
      const batch = await this.db.write((m) => this.rotateBatch(m, target, after));
      rotated += batch.rotated;
      if (batch.last === undefined) return rotated;
      after = batch.last;
    }
  }

  /** One transaction: the next `batchSize` rows after `after` (by id), stale ones re-encrypted. */
  private async rotateBatch<T extends ObjectLiteral>(
    m: EntityManager,
    target: Target<T>,
    after: string | undefined,
  ): Promise<{ rotated: number; last?: string }> {
    const where = {
      [target.column]: Not(IsNull()),
      ...(after !== undefined && { [target.id]: MoreThan(after) }),
    } as FindOptionsWhere<T>;
    const select = Object.fromEntries([target.id, target.column, ...(target.extra ?? [])].map((c) => [c, true])) as FindOptionsSelect<T>;
    const rows = await m.find(target.entity, { where, select, order: { [target.id]: 'ASC' } as never, take: this.batchSize });
    let rotated = 0;
    for (const row of rows) {
      const sealed = row[target.column] as string;
      if (!this.envelope.isStale(sealed)) continue;
      const plaintext = this.open(sealed, target.aad(row), target.label, String(row[target.id]));
      const fresh = this.envelope.encrypt(plaintext, target.aad(row));
      plaintext.fill(0);
      // Conditional on the ciphertext just read, so a row changed meanwhile is never overwritten.
      const result = await m.update(
        target.entity,
        { [target.id]: row[target.id], [target.column]: sealed } as FindOptionsWhere<T>,
        { [target.column]: fresh } as never,
      );
      rotated += result.affected ?? 0;
    }
    return { rotated, last: rows.length === this.batchSize ? String(rows[rows.length - 1][target.id]) : undefined };
  }
}
