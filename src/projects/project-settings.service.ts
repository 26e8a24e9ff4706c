// A project's TOTP settings: how many TOTPs a user may hold (Stytch's one, `active_totp_exists`, by
// default), the RFC 6238 parameters new enrollments get unless they choose their own, and its
// assurance settings (MFA policy, remembered devices). Operators
// set them with the CLI (`project settings`); the project's backend reads them (`project` query).
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import {
  DEFAULT_TOTP_PARAMETERS,
  isTotpAlgorithm,
  isTotpDigits,
  isTotpPeriodSeconds,
  MAX_TOTPS_PER_USER,
  TOTP_ALGORITHMS,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  type TotpAlgorithm,
  type TotpDigits,
  type TotpPeriodSeconds,
} from '../constants/totp.constants';
import { isMfaPolicy, MFA_POLICIES, type MfaPolicy } from '../constants/assurance.constants';
import { Project } from './project.entity';
import { InvalidProjectSettingError, ProjectNotFoundError } from './project.errors';
import type { ProjectService } from './project.service';

/** The RFC 6238 parameters of a TOTP: hash (§1.2), code length (RFC 4226 §5.3), time step in seconds (§4.1). */
export interface TotpParameterValues {
  readonly algorithm: TotpAlgorithm;
  readonly digits: TotpDigits;
  readonly periodSeconds: TotpPeriodSeconds;
}

/** What createTotp reads of its project: the limit per user and the parameters a new TOTP gets by default. */
export interface TotpSettings {
  /** 1..10; 1 refuses a second verified TOTP (ACTIVE_TOTP_EXISTS), as Stytch does. */
  readonly maxTotpsPerUser: number;
  readonly totpDefaults: TotpParameterValues;
}

/** What the assurance features read of a project (src/sessions/assurance.rules.ts, remembered devices). */
export interface AssuranceSettings {
  readonly mfaPolicy: MfaPolicy;
  /** Whether authenticateTotp/recoverTotp may issue remembered devices (off by default). */
  readonly rememberDevices: boolean;
  /** Whether a remembered device proves a second factor (AAL2); by default it does not. */
  readonly rememberedDeviceAal2: boolean;
}

/** A project as its settings show it (the `project` query, `project settings`). */
export interface ProjectSettings extends TotpSettings, AssuranceSettings {
  readonly projectId: string;
  readonly name: string;
  readonly publicToken: string;
}

/** A change to the settings: each field left out stays as it is. Values are checked (InvalidProjectSettingError). */
export interface ProjectSettingsChange {
  readonly maxTotpsPerUser?: unknown;
  readonly totpAlgorithm?: unknown;
  readonly totpDigits?: unknown;
  readonly totpPeriodSeconds?: unknown;
  readonly mfaPolicy?: unknown;
  readonly rememberDevices?: unknown;
  readonly rememberedDeviceAal2?: unknown;
}

const isMaxTotps = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= MAX_TOTPS_PER_USER.min && (value as number) <= MAX_TOTPS_PER_USER.max;

const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

/** Each setting: its CLI flag, the rule it must pass and the values it takes (for the refusal's message). */
const RULES = {
  maxTotpsPerUser: { flag: '--max-totps-per-user', valid: isMaxTotps, takes: `an integer from ${MAX_TOTPS_PER_USER.min} to ${MAX_TOTPS_PER_USER.max}` },
  totpAlgorithm: { flag: '--totp-algorithm', valid: isTotpAlgorithm, takes: `one of ${TOTP_ALGORITHMS.join(', ')}` },
  totpDigits: { flag: '--totp-digits', valid: isTotpDigits, takes: `one of ${TOTP_DIGITS.join(', ')}` },
  totpPeriodSeconds: { flag: '--totp-period', valid: isTotpPeriodSeconds, takes: `one of ${TOTP_PERIOD_SECONDS.join(', ')} (seconds)` },
  mfaPolicy: { flag: '--mfa-policy', valid: isMfaPolicy, takes: `one of ${MFA_POLICIES.join(', ')}` },
  rememberDevices: { flag: '--remember-devices', valid: isBoolean, takes: 'on or off' },
  rememberedDeviceAal2: { flag: '--remembered-device-aal2', valid: isBoolean, takes: 'on or off' },
} as const;

/**
 * The checked change as entity columns; throws InvalidProjectSettingError naming the first setting
 * that breaks its rule (nothing is written then).
 */
function checkedSettingsChange(change: ProjectSettingsChange): Partial<Pick<Project, keyof typeof RULES>> {
  const checked: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(RULES)) {
    const value = change[name as keyof ProjectSettingsChange];
    if (value === undefined) continue;
    if (!rule.valid(value)) throw new InvalidProjectSettingError(`${name} (${rule.flag}) must be ${rule.takes}; got ${JSON.stringify(value)}.`, name);
    checked[name] = value;
  }
  return checked;
}

/** The assurance settings of a project row (columns made by the ProjectAssurance migration). */
function assuranceSettingsOf(project: Project): AssuranceSettings {
  return { mfaPolicy: project.mfaPolicy, rememberDevices: Boolean(project.rememberDevices), rememberedDeviceAal2: Boolean(project.rememberedDeviceAal2) };
}

/** The TOTP settings of a project row (columns made by the TotpParameters migration). */
function totpSettingsOf(project: Project): TotpSettings {
  return {
    maxTotpsPerUser: project.maxTotpsPerUser ?? MAX_TOTPS_PER_USER.default,
    totpDefaults: {
      algorithm: project.totpAlgorithm ?? DEFAULT_TOTP_PARAMETERS.algorithm,
      digits: project.totpDigits ?? DEFAULT_TOTP_PARAMETERS.digits,
      periodSeconds: project.totpPeriodSeconds ?? DEFAULT_TOTP_PARAMETERS.periodSeconds,
    },
  };
}

/**
 * What else a settings change ends, in its transaction: turning remembered devices off forgets every
 * device of the project (src/remembered-devices), so turning them on again revives no token issued
 * before (OWASP ASVS 3.3: a credential whose trust is withdrawn is revoked, not just ignored), and
 * audits it, one `device` / `revoked` event per user whose devices went.
 * Declared here, by its one use, as UserService's UnlockRevocation is.
 */
export interface SettingsRevocation {
  revokeProjectRememberedDevices(manager: EntityManager, projectId: string): Promise<unknown>;
}

export class ProjectSettingsService {
  constructor(
    private readonly db: Database,
    private readonly projects: ProjectService,
    private readonly revocation: SettingsRevocation,
  ) {}

  /** The project's settings; ProjectNotFoundError for an unknown id. */
  async get(projectId: string): Promise<ProjectSettings> {
    // Made on first read for a project that has none (ProjectService.publicToken).
    const publicToken = await this.projects.publicToken(projectId);
    const project = await this.db.read((m) => m.findOne(Project, { where: { projectId } }));
    if (!project) throw new ProjectNotFoundError();
    return { projectId, name: project.name, publicToken, ...totpSettingsOf(project), ...assuranceSettingsOf(project) };
  }

  /**
   * Changes the settings given and returns them all. A lower maxTotpsPerUser leaves the TOTPs users
   * already hold alone; it only refuses new ones (TOTP_LIMIT_REACHED) until they are under it. New
   * defaults apply to new enrollments only: each TOTP keeps the parameters its authenticator app
   * was given (RFC 6238 §4: prover and verifier must share them). Turning rememberDevices off forgets
   * every remembered device of the project (SettingsRevocation).
   */
  async update(projectId: string, change: ProjectSettingsChange): Promise<ProjectSettings> {
    const columns = checkedSettingsChange(change);
    await this.db.write(async (m) => {
      if (!(await m.exists(Project, { where: { projectId } }))) throw new ProjectNotFoundError();
      if (Object.keys(columns).length) await m.update(Project, { projectId }, columns);
      if (columns.rememberDevices === false) await this.revocation.revokeProjectRememberedDevices(m, projectId);
    });
    return this.get(projectId);
  }

  /** Inside a transaction: the TOTP settings createTotp applies (USER_NOT_FOUND is the caller's to answer). */
  async totpSettings(manager: EntityManager, projectId: string): Promise<TotpSettings> {
    const project = await manager.findOne(Project, {
      where: { projectId },
      select: { projectId: true, maxTotpsPerUser: true, totpAlgorithm: true, totpDigits: true, totpPeriodSeconds: true },
    });
    if (!project) throw new ProjectNotFoundError();
    return totpSettingsOf(project);
  }

  /**
   * Inside a transaction: whether the project remembers devices now, its row share-locked (PostgreSQL)
   * so a concurrent change of the setting (`update`, which forgets every device when it turns them
   * off) either waits for this transaction or has committed before this reads.
   */
  async remembersDevices(manager: EntityManager, projectId: string): Promise<boolean> {
    const project = await manager.findOne(Project, { where: { projectId }, select: { projectId: true, rememberDevices: true }, lock: this.db.shareLock });
    return Boolean(project?.rememberDevices);
  }

  /** The assurance settings of a project (remembered devices read them before their attempt); PROJECT_NOT_FOUND for none. */
  async assuranceSettings(projectId: string): Promise<AssuranceSettings> {
    const project = await this.db.read((m) =>
      m.findOne(Project, { where: { projectId }, select: { projectId: true, mfaPolicy: true, rememberDevices: true, rememberedDeviceAal2: true } }),
    );
    if (!project) throw new ProjectNotFoundError();
    return assuranceSettingsOf(project);
  }
}
