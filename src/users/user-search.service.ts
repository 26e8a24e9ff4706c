// Finding a project's users by identifiers and state, a page at a time: GraphQL `users(filter, first,
// after)` and Stytch's REST `POST /v1/users/search` both run `search` here. Pages are ordered by
// (created_at, id), so a page boundary is stable while users are added, and paged by keyset from the
// cursor's user (src/common/cursor.ts), never by offset. Reads only.
import { Brackets, type EntityManager, type SelectQueryBuilder, type WhereExpressionBuilder } from 'typeorm';
import type { Database } from '../db/database';
import type { Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { GatewayError } from '../errors/error.catalogue';
import { fromRows, relationTarget } from '../db/row-mapper';
import { User, type UserTotp } from './user.entity';
import type { UserCondition, UserQuery } from './user-search.query';
import { USER_TOTP_COLUMNS } from './user.service';

/** One page of users, with what both the Relay connection and Stytch's results_metadata need. */
export interface UserPage {
  readonly users: User[];
  readonly cursors: string[];
  readonly hasNextPage: boolean;
  /** Users matching the query in all pages; only when asked for (`withTotal`), else null. */
  readonly total: number | null;
}

export interface PageRequest {
  /** Page size, already within its bounds (checked on the input). */
  readonly size: number;
  /** A cursor of an earlier page, or null for the first page. */
  readonly after: string | null;
  /** The name the caller gave the cursor (`after`, or REST `cursor`), for the invalid_cursor error. */
  readonly cursorField: string;
  readonly withTotal: boolean;
}

const invalidCursor = (field: string) =>
  new GatewayError('BAD_USER_INPUT', { errorType: 'invalid_cursor', message: `${field} must be a cursor from a previous page of this project's users.`, details: { field } });

export class UserSearchService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /**
   * The project's users matching `query`, `page.size` at a time after `page.after`, oldest first.
   * Throws BAD_USER_INPUT invalid_cursor for a cursor that is not one this project's pages gave out
   * (forged, of another project, or of a user deleted since). "Locked" is judged at the clock's now.
   */
  async search(projectId: string, query: UserQuery, page: PageRequest): Promise<UserPage> {
    const afterId = page.after === null ? null : decodeCursor('user', page.after);
    if (page.after !== null && afterId === null) throw invalidCursor(page.cursorField);
    const nowMs = this.clock.now();
    return this.db.read(async (m) => {
      const matching = this.matching(m, projectId, query, nowMs);
      const total = page.withTotal ? await matching.clone().getCount() : null;
      const listed = matching.clone();
      if (afterId !== null) {
        const cursor = await m.findOne(User, { where: { userId: afterId, projectId }, select: { userId: true, createdAt: true } });
        if (!cursor) throw invalidCursor(page.cursorField);
        listed.andWhere('(u.created_at > :afterAt OR (u.created_at = :afterAt AND u.id > :afterId))', { afterAt: cursor.createdAt.getTime(), afterId });
      }
      const rows = await listed.orderBy('u.created_at', 'ASC').addOrderBy('u.id', 'ASC').limit(page.size + 1).getMany();
      const users = rows.slice(0, page.size);
      await this.attachTotps(m, users, nowMs);
      return { users, cursors: users.map((u) => encodeCursor(u.userId)), hasNextPage: rows.length > page.size, total };
    });
  }

  /** How many of the project's users match `query` now ("locked" is judged at the clock's now). */
  async count(projectId: string, query: UserQuery): Promise<number> {
    const nowMs = this.clock.now();
    return this.db.read((m) => this.matching(m, projectId, query, nowMs).getCount());
  }

  /** The project's users matching the query (values bound, never inlined). */
  private matching(m: EntityManager, projectId: string, query: UserQuery, nowMs: number): SelectQueryBuilder<User> {
    const builder = m.createQueryBuilder(User, 'u').where('u.project_id = :projectId', { projectId });
    if (!query.conditions.length) return builder;
    return builder.andWhere(
      new Brackets((group) => {
        query.conditions.forEach((condition, i) => {
          const [text, params] = conditionSql(condition, `p${i}`, nowMs);
          const join: keyof WhereExpressionBuilder = i === 0 ? 'where' : query.operator === 'AND' ? 'andWhere' : 'orWhere';
          group[join](text, params);
        });
      }),
    );
  }

  /** Each user's TOTPs (`User.totps`), in one query for the page. */
  private async attachTotps(m: EntityManager, users: User[], nowMs: number): Promise<void> {
    for (const user of users) {
      user.totps = [];
      user.observedAtMs = nowMs;
    }
    if (!users.length) return;
    const rows = await m
      .createQueryBuilder()
      .select([...USER_TOTP_COLUMNS.map((c) => `t.${c} AS ${c}`), 't.user_id AS user_id'])
      .from('totps', 't')
      .where('t.user_id IN (:...ids)', { ids: users.map((u) => u.userId) })
      .orderBy('t.created_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .getRawMany<Record<string, unknown>>();
    const byId = new Map(users.map((u) => [u.userId, u]));
    const totps = fromRows(m, relationTarget<UserTotp & { userId: string }>(m, User, 'totps'), rows);
    totps.forEach(({ userId, ...totp }) => byId.get(userId)?.totps.push(totp));
  }
}

/** One condition as SQL over `users u`, with its parameters named from `name`. */
function conditionSql(condition: UserCondition, name: string, nowMs: number): [string, Record<string, unknown>] {
  switch (condition.kind) {
    case 'email':
      return [`u.email IN (:...${name})`, { [name]: condition.values }];
    case 'phoneNumber':
      return [`u.phone_number IN (:...${name})`, { [name]: condition.values }];
    case 'externalId':
      return [`u.external_id IN (:...${name})`, { [name]: condition.values }];
    case 'userId':
      return [`u.id IN (:...${name})`, { [name]: condition.values }];
    case 'totpId':
      return [`EXISTS (SELECT 1 FROM totps t WHERE t.user_id = u.id AND t.id IN (:...${name}))`, { [name]: condition.values }];
    case 'totpVerified':
      // TRUE is a keyword on both dialects (SQLite stores it as 1).
      return [`${condition.value ? '' : 'NOT '}EXISTS (SELECT 1 FROM totps t WHERE t.user_id = u.id AND t.verified = TRUE)`, {}];
    case 'locked':
      // A lock only an unlock lifts is stored as the far future (lockout.policy.ts HARD_LOCK_UNTIL_MS), so one comparison covers both.
      return [condition.value ? `u.locked_until > :${name}` : `(u.locked_until IS NULL OR u.locked_until <= :${name})`, { [name]: nowMs }];
    case 'status':
      return [`u.status = :${name}`, { [name]: condition.value }];
  }
}
