import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow, isUniqueViolation } from '../db/database';
import type { Clock } from '../common/clock';
import { newId, parseId } from '../common/ids';
import { GatewayError } from '../errors/error.catalogue';
import { User } from './user.entity';
import type { CreateUserInput } from './user.inputs';
import { DuplicateEmailError, DuplicateExternalIdError, UserNotFoundError } from './user.errors';

export const parseUserId = (userId: unknown) => parseId('user', userId, 'INVALID_USER_ID');

export class UserService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async create(projectId: string, input: CreateUserInput): Promise<User> {
    const email = input.email?.trim().toLowerCase() || null;
    const phoneNumber = input.phoneNumber || null;
    if (!email && !phoneNumber) {
      throw new GatewayError('BAD_USER_INPUT', {
        errorType: 'missing_email_or_phone_number',
        message: 'Give the user an email or a phone number.',
        details: { field: 'email' },
      });
    }
    const user = Object.assign(new User(), {
      userId: newId('user'),
      projectId,
      email,
      phoneNumber,
      firstName: input.name?.firstName ?? null,
      middleName: input.name?.middleName ?? null,
      lastName: input.name?.lastName ?? null,
      status: 'active',
      externalId: input.externalId ?? null,
      trustedMetadata: input.trustedMetadata ?? {},
      untrustedMetadata: input.untrustedMetadata ?? {},
      failedAttempts: 0,
      lockedUntil: null,
      createdAt: new Date(this.clock.now()),
    });
    try {
      await this.db.write((m) => insertRow(m, User, user));
    } catch (error) {
      // The unique indexes, not a prior SELECT, decide: two concurrent creates cannot both pass.
      if (isUniqueViolation(error, 'external_id')) throw new DuplicateExternalIdError({ cause: error });
      if (isUniqueViolation(error, 'email')) throw new DuplicateEmailError({ cause: error });
      throw error;
    }
    user.totps = [];
    user.observedAtMs = this.clock.now();
    return user;
  }

  get(projectId: string, userId: unknown): Promise<User> {
    const id = parseUserId(userId);
    return this.db.read((m) => this.require(m, projectId, id));
  }

  async delete(projectId: string, userId: unknown): Promise<string> {
    const id = parseUserId(userId);
    // TOTPs, recovery codes and sessions go with the user (ON DELETE CASCADE).
    const result = await this.db.write((m) => m.delete(User, { userId: id, projectId }));
    if (!result.affected) throw new UserNotFoundError();
    return id;
  }

  /** The user with their TOTPs; another project's user answers exactly like a missing one. */
  async require(manager: EntityManager, projectId: string, userId: string): Promise<User> {
    const user = await manager.findOne(User, {
      where: { userId, projectId },
      relations: { totps: true },
      order: { totps: { createdAt: 'ASC' } },
    });
    if (!user) throw new UserNotFoundError();
    user.observedAtMs = this.clock.now();
    return user;
  }
}
