// Remembered devices ("remember this device for N days"): after a second factor, a project that allows
// it issues an opaque 256-bit device token, stored only as a keyed hash and bound to the user and
// project; authenticateRememberedDevice later accepts it in place of a TOTP code. Every use is one
// verification attempt (src/verification): a wrong, expired or forgotten token spends a lockout attempt
// exactly as a wrong code does (NIST SP 800-63B §5.2.2) and is audited. Whether a device proves a
// second factor (AAL2) or only reauthenticates (AAL1) is the project's choice, stored on the factor
// (src/sessions/assurance.rules.ts).
import { randomBytes } from 'node:crypto';
import { In, MoreThan, type EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow } from '../db/database';
import type { KeyedHasher } from '../crypto/keyed-hash';
import type { Clock } from '../common/clock';
import { DAY_MS } from '../common/clock';
import { newId, parseId } from '../common/ids';
import { DEVICE_TOKEN_BYTES, DEVICE_USER_AGENT_MAX_CHARS } from '../constants/assurance.constants';
import type { SessionCaller } from '../graphql/caller.types';
import type { AuditService } from '../audit/audit.service';
import type { UserService } from '../users/user.service';
import { parseUserId } from '../users/user.service';
import type { NewFactor, SessionService } from '../sessions/session.service';
import type { SessionArgumentsInput } from '../sessions/session.inputs';
import type { ProjectSettingsService } from '../projects/project-settings.service';
import type { VerificationAttemptService } from '../verification/verification-attempt.service';
import { RememberedDevice } from './remembered-device.entity';
import { RememberedDeviceRevocation } from './remembered-device.revocation';
import type { AuthenticateRememberedDevicePayload, ForgetRememberedDevicesPayload } from './remembered-device.types';
import {
  InvalidDeviceTokenError,
  RememberedDeviceNotFoundError,
  RememberedDevicesDisabledError,
  UnableToAuthenticateRememberedDeviceError,
} from './remembered-device.errors';

/** A device token as issued: DEVICE_TOKEN_BYTES random bytes, base64url without padding. */
const DEVICE_TOKEN = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((DEVICE_TOKEN_BYTES * 8) / 6)}}$`);

/** Where a request comes from: for the audit trail and the device's record. */
export interface DeviceRequest {
  readonly requestId?: string | null;
  /** The request's User-Agent header (kept, cut to DEVICE_USER_AGENT_MAX_CHARS, on a device it remembers). */
  readonly userAgent?: string | null;
  /** A session caller: the factor lands on its own session (src/graphql/caller.policy.ts `ownSession`). */
  readonly caller?: SessionCaller | null;
}

/** A device issued: its id and its token (shown this once). */
interface IssuedDevice {
  readonly rememberedDeviceId: string;
  readonly deviceToken: string;
}

/**
 * A device to remember once a verification attempt succeeds: made before the attempt (refusing a
 * project that does not remember devices before anything is spent), stored inside the attempt's
 * transaction on success (`store`, the attempt's onSuccess), answered after the commit (`issued`).
 */
export interface DeviceToRemember {
  store(manager: EntityManager, nowMs: number): Promise<void>;
  /** The device once stored; null when the attempt did not succeed. */
  issued(): IssuedDevice | null;
}

export class RememberedDeviceService {
  constructor(
    private readonly db: Database,
    private readonly hasher: KeyedHasher,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly verification: VerificationAttemptService,
    private readonly settings: ProjectSettingsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    /** Forgetting in bulk, audited (also what deleting a user's last verified TOTP does). */
    readonly revocation: RememberedDeviceRevocation,
  ) {}

  /**
   * For authenticateTotp/recoverTotp with `rememberDeviceDays` (its 1..90 bound checked on the input):
   * the device to store if the attempt succeeds, or null without `days`. REMEMBERED_DEVICES_DISABLED
   * when the project does not remember devices (one read of its settings, only when `days` is given).
   * The setting is read again where the device is stored: turned off in between, no device is stored
   * (the attempt still succeeds, without a deviceToken), so none outlives the forgetting that came with it.
   */
  async plan(projectId: string, userId: string, days: number | null | undefined, request: DeviceRequest): Promise<DeviceToRemember | null> {
    if (days == null) return null;
    if (!(await this.settings.assuranceSettings(projectId)).rememberDevices) throw new RememberedDevicesDisabledError();
    const deviceToken = randomBytes(DEVICE_TOKEN_BYTES).toString('base64url');
    const rememberedDeviceId = newId('device');
    let stored = false;
    return {
      store: async (m, nowMs) => {
        if (!(await this.settings.remembersDevices(m, projectId))) return;
        const device = Object.assign(new RememberedDevice(), {
          rememberedDeviceId,
          projectId,
          userId,
          tokenHash: this.hasher.hash(deviceToken),
          userAgent: request.userAgent ? request.userAgent.slice(0, DEVICE_USER_AGENT_MAX_CHARS) : null,
          createdAt: new Date(nowMs),
          lastUsedAt: null,
          expiresAt: new Date(nowMs + days * DAY_MS),
        });
        await insertRow(m, RememberedDevice, device);
        await this.audit.record(m, { projectId, userId, type: 'device', outcome: 'created', requestId: request.requestId, occurredAtMs: nowMs });
        stored = true;
      },
      issued: () => (stored ? { rememberedDeviceId, deviceToken } : null),
    };
  }

  /**
   * authenticateRememberedDevice: one verification attempt with the device token. A malformed token
   * (INVALID_DEVICE_TOKEN) and a project that does not remember devices (REMEMBERED_DEVICES_DISABLED)
   * spend nothing; a token that is not a live device of this user spends a lockout attempt
   * (UNABLE_TO_AUTHENTICATE_REMEMBERED_DEVICE). On success the device's last use is recorded and a
   * `remembered_device` factor is added to the session asked for.
   */
  async authenticate(projectId: string, input: { userId: string; deviceToken: string } & SessionArgumentsInput, request: DeviceRequest = {}): Promise<AuthenticateRememberedDevicePayload> {
    const userId = parseUserId(input.userId);
    if (!DEVICE_TOKEN.test(input.deviceToken)) throw new InvalidDeviceTokenError();
    const { rememberDevices, rememberedDeviceAal2 } = await this.settings.assuranceSettings(projectId);
    if (!rememberDevices) throw new RememberedDevicesDisabledError();
    const nowMs = this.clock.now();
    const session = await this.sessions.forAttempt(projectId, userId, input, request.caller ?? null);
    const factor: NewFactor = { type: 'remembered_device', deliveryMethod: 'remembered_device', totpId: null, countsTowardsAal2: rememberedDeviceAal2 };
    const hashes = this.hasher.candidates(input.deviceToken);
    const verified = await this.verification.verify({ projectId, userId, requestId: request.requestId ?? null, nowMs, session, factor, withUser: true }, async (m) => {
      // Locked (PostgreSQL): a forget in flight is waited for, and a row it deleted is then not found,
      // so no use succeeds after a forget that began before it commits (OWASP ASVS 3.3.1: revocation is immediate).
      const device = await m.findOne(RememberedDevice, {
        where: { tokenHash: In(hashes), userId, projectId, expiresAt: MoreThan(new Date(nowMs)) },
        select: { rememberedDeviceId: true },
        lock: this.db.rowLock,
      });
      if (!device) return new UnableToAuthenticateRememberedDeviceError();
      await m.update(RememberedDevice, { rememberedDeviceId: device.rememberedDeviceId }, { lastUsedAt: new Date(nowMs) });
      return { ...factor, rememberedDeviceId: device.rememberedDeviceId };
    });
    return {
      userId,
      rememberedDeviceId: verified.factor.rememberedDeviceId!,
      // withUser: the user as the attempt's transaction committed them.
      user: verified.user!,
      session: verified.session?.session ?? null,
      sessionToken: verified.session?.sessionToken ?? null,
      sessionJwt: verified.session?.sessionJwt ?? null,
    };
  }

  /** The user's live remembered devices, oldest first; USER_NOT_FOUND for a user the project lacks. */
  async list(projectId: string, userId: unknown): Promise<RememberedDevice[]> {
    const id = parseUserId(userId);
    const now = new Date(this.clock.now());
    return this.db.read(async (m) => {
      await this.users.require(m, projectId, id);
      return m.find(RememberedDevice, { where: { projectId, userId: id, expiresAt: MoreThan(now) }, order: { createdAt: 'ASC', rememberedDeviceId: 'ASC' } });
    });
  }

  /** Forgets one device (audited); REMEMBERED_DEVICE_NOT_FOUND when the project has no such device. */
  async forget(projectId: string, rememberedDeviceId: unknown, requestId: string | null = null): Promise<ForgetRememberedDevicesPayload> {
    const id = parseId('device', rememberedDeviceId, 'INVALID_REMEMBERED_DEVICE_ID');
    const nowMs = this.clock.now();
    return this.db.write(async (m) => {
      const device = await m.findOne(RememberedDevice, { where: { rememberedDeviceId: id, projectId }, select: { rememberedDeviceId: true, userId: true } });
      if (!device) throw new RememberedDeviceNotFoundError();
      // Of concurrent forgets of one device only the one that deletes the row records it.
      if (!(await m.delete(RememberedDevice, { rememberedDeviceId: id, projectId })).affected) throw new RememberedDeviceNotFoundError();
      await this.audit.record(m, { projectId, userId: device.userId, type: 'device', outcome: 'revoked', requestId, occurredAtMs: nowMs });
      return { userId: device.userId, forgotten: 1 };
    });
  }

  /** Forgets every device of a user (one audit event when there were any); USER_NOT_FOUND for a user the project lacks. */
  async forgetAll(projectId: string, userId: unknown, requestId: string | null = null): Promise<ForgetRememberedDevicesPayload> {
    const id = parseUserId(userId);
    return this.db.write(async (m) => {
      await this.users.lock(m, projectId, id);
      const forgotten = await this.revocation.revokeRememberedDevices(m, projectId, id, requestId);
      return { userId: id, forgotten };
    });
  }
}
