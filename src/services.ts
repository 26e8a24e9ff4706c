// Composition root: builds every service of one gateway instance from its Config and Database.
// Nothing here is module-global, so tests can run several isolated gateways in one process.
import type { ContainerType } from 'type-graphql';
import type { Config } from './config';
import type { Database } from './db/database';
import { systemClock, type Clock } from './common/clock';
import { createKeyring } from './crypto/keyring';
import { Envelope } from './crypto/envelope';
import { KeyedHasher } from './crypto/keyed-hash';
import { ProjectService } from './projects/project.service';
import { ProjectSettingsService } from './projects/project-settings.service';
import { CallerResolver } from './auth/caller';
import { UserService } from './users/user.service';
import { UserSearchService } from './users/user-search.service';
import { LockoutService } from './users/lockout.service';
import { SigningKeyService } from './sessions/signing-key.service';
import { SessionService } from './sessions/session.service';
import { TotpService } from './totp/totp.service';
import { TotpImportService } from './totp/totp-import.service';
import { VerificationAttemptService } from './verification/verification-attempt.service';
import { AuditService } from './audit/audit.service';
import { RememberedDeviceService } from './remembered-devices/remembered-device.service';
import { RememberedDeviceRevocation } from './remembered-devices/remembered-device.revocation';
import { UserResolver } from './users/user.resolver';
import { TotpResolver } from './totp/totp.resolver';
import { ProjectSettingsResolver } from './totp/project-settings.resolver';
import { TotpImportResolver } from './totp/totp-import.resolver';
import { SessionResolver } from './sessions/session.resolver';
import { AuditResolver } from './audit/audit.resolver';
import { AuditStatsService } from './audit/audit-stats.service';
import { AuditStatsResolver } from './audit/audit-stats.resolver';
import { RememberedDeviceResolver } from './remembered-devices/remembered-device.resolver';
import { noopAuthMetrics, type AuthMetrics } from './observability/metrics';
import { WebhookOutbox } from './webhooks/webhook.outbox';
import { WebhookAuditListener } from './webhooks/webhook.audit-events';
import { WebhookEndpointService } from './webhooks/webhook-endpoint.service';
import { WebhookResolver } from './webhooks/webhook.resolver';

export interface Services {
  readonly projects: ProjectService;
  readonly projectSettings: ProjectSettingsService;
  readonly callers: CallerResolver;
  readonly users: UserService;
  readonly userSearch: UserSearchService;
  readonly totps: TotpService;
  readonly totpImports: TotpImportService;
  readonly sessions: SessionService;
  readonly rememberedDevices: RememberedDeviceService;
  readonly signingKeys: SigningKeyService;
  readonly audit: AuditService;
  readonly webhooks: WebhookEndpointService;
  /** Sealing and opening of stored secrets (the webhook worker opens endpoint secrets with it). */
  readonly envelope: Envelope;
  readonly resolvers: ContainerType;
}

export function createServices(config: Config, db: Database, clock: Clock = systemClock, metrics: AuthMetrics = noopAuthMetrics): Services {
  const keyring = createKeyring(config.encryption.key, config.encryption.previousKeys);
  const envelope = new Envelope(keyring);
  const hasher = new KeyedHasher(keyring);
  const projects = new ProjectService(db, hasher, clock);
  const lockout = new LockoutService(config.lockout);
  // The transactional outbox: every service that reports events writes them in its own transaction.
  const outbox = new WebhookOutbox();
  const audit = new AuditService(db, new WebhookAuditListener(outbox));
  const deviceRevocation = new RememberedDeviceRevocation(audit, clock);
  const projectSettings = new ProjectSettingsService(db, projects, deviceRevocation);
  const users = new UserService(db, clock, lockout, audit, deviceRevocation, outbox);
  const userSearch = new UserSearchService(db, clock);
  const signingKeys = new SigningKeyService(db, envelope, clock, {
    algorithm: config.sessions.jwtAlgorithm,
    rotationDays: config.sessions.signingKeyRotationDays,
  });
  const sessions = new SessionService(db, hasher, signingKeys, users, audit, clock, {
    publicUrl: config.publicUrl,
    jwtLifetimeSeconds: config.sessions.jwtLifetimeSeconds,
  });
  const verification = new VerificationAttemptService(db, users, lockout, audit, metrics);
  const rememberedDevices = new RememberedDeviceService(db, hasher, users, sessions, verification, projectSettings, audit, clock, deviceRevocation);
  const totps = new TotpService(db, envelope, hasher, users, sessions, verification, projectSettings, rememberedDevices, clock, {
    retrievableRecoveryCodes: config.recoveryCodes.retrievable,
  }, outbox);
  const totpImports = new TotpImportService(db, envelope, hasher, users, clock, { retrievableRecoveryCodes: config.recoveryCodes.retrievable }, outbox);
  const webhooks = new WebhookEndpointService(db, envelope, clock, { production: config.env === 'production', secretOverlapMs: config.webhooks.secretOverlapMs });
  const instances = new Map<Function, unknown>([
    [UserResolver, new UserResolver(users, userSearch)],
    // Not a resolver: the user-reference transform (src/users/user-ref.transform.ts) reads it from the container.
    [UserService, users],
    [TotpResolver, new TotpResolver(totps)],
    [ProjectSettingsResolver, new ProjectSettingsResolver(projectSettings, projects, config.rateLimit)],
    [TotpImportResolver, new TotpImportResolver(totpImports)],
    [SessionResolver, new SessionResolver(sessions)],
    [RememberedDeviceResolver, new RememberedDeviceResolver(rememberedDevices)],
    [AuditResolver, new AuditResolver(audit)],
    [AuditStatsResolver, new AuditStatsResolver(new AuditStatsService(db, clock))],
    [WebhookResolver, new WebhookResolver(webhooks)],
  ]);
  const resolvers: ContainerType = {
    get(cls: Function) {
      const instance = instances.get(cls);
      if (!instance) throw new Error(`no resolver instance registered for ${cls.name}`);
      return instance;
    },
  };
  const callers = new CallerResolver(projects, sessions);
  return { projects, projectSettings, callers, users, userSearch, totps, totpImports, sessions, rememberedDevices, signingKeys, audit, webhooks, envelope, resolvers };
}
