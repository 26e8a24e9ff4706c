// Forgetting remembered devices in bulk, inside the caller's transaction: a user's (an unlock, the last
// verified TOTP deleted, forgetRememberedDevices) or a project's (its remembered devices turned off).
// Each forgetting is audited as a `device` / `revoked` event, one per user whose devices went, through
// AuditService.record so its listener (webhooks) sees them as it sees any other event (OWASP ASVS
// V7.1: log every credential revocation); no webhook event is defined for a device revocation today.
import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import type { Clock } from '../common/clock';
import { RememberedDevice } from './remembered-device.entity';

export class RememberedDeviceRevocation {
  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Inside a transaction: forgets every remembered device of a user and, when there were any, records
   * one `device` / `revoked` event for them. Returns how many devices went.
   */
  async revokeRememberedDevices(manager: EntityManager, projectId: string, userId: string, requestId: string | null = null): Promise<number> {
    const { affected } = await manager.delete(RememberedDevice, { userId, projectId });
    if (affected) await this.audit.record(manager, { projectId, userId, type: 'device', outcome: 'revoked', requestId, occurredAtMs: this.clock.now() });
    return affected ?? 0;
  }

  /**
   * Inside a transaction: forgets every remembered device of a project, recording one `device` /
   * `revoked` event per user who had any. Per user rather than one set-based INSERT ... SELECT so
   * each event reaches the audit listener exactly as a single forgetting does. The
   * caller has written the project's row first (rememberDevices off), which a device being stored
   * share-locks, so no device is added between the read and the delete. Returns how many devices went.
   */
  async revokeProjectRememberedDevices(manager: EntityManager, projectId: string, requestId: string | null = null): Promise<number> {
    const owners = await manager
      .createQueryBuilder(RememberedDevice, 'd')
      .select('DISTINCT d.user_id', 'userId')
      .where('d.project_id = :projectId', { projectId })
      .orderBy('d.user_id')
      .getRawMany<{ userId: string }>();
    if (!owners.length) return 0;
    const { affected } = await manager.delete(RememberedDevice, { projectId });
    const occurredAtMs = this.clock.now();
    for (const { userId } of owners) {
      await this.audit.record(manager, { projectId, userId, type: 'device', outcome: 'revoked', requestId, occurredAtMs });
    }
    return affected ?? 0;
  }
}
