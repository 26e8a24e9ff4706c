import { Arg, Args, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import { mayNameExistingUser } from '../graphql/caller.policy';
import { User } from './user.entity';
import { CreateUserInput, UpdateUserInput, UserCountArgs, UsersArgs } from './user.inputs';
import { CreateUserPayload, DeleteUserPayload, UnlockUserPayload, UpdateUserPayload, UserConnection } from './user.types';
import type { UserService } from './user.service';
import type { UserSearchService, UserPage } from './user-search.service';
import { queryOfFilter } from './user-search.query';
import { USERS_PAGE_SIZE } from '../constants/user.constants';

@Resolver(() => User)
export class UserResolver {
  constructor(
    private readonly service: UserService,
    private readonly searchService: UserSearchService,
  ) {}

  @Authorized()
  @Query(() => User)
  user(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<User> {
    return this.service.get(projectOf(ctx).projectId, userId);
  }

  /** Project credentials only: a session caller sees its own user through `me`. */
  @Authorized()
  @Query(() => UserConnection, { description: "The project's users matching every field of the filter, oldest first (created, then id), a page at a time." })
  async users(@Args(() => UsersArgs) { filter, first, after }: UsersArgs, @Ctx() ctx: GatewayContext): Promise<UserConnection> {
    return toConnection(await this.searchService.search(projectOf(ctx).projectId, queryOfFilter(filter), { size: first ?? USERS_PAGE_SIZE.default, after: after ?? null, cursorField: 'after', withTotal: false }), after != null);
  }

  /** Project credentials only, as `users`. */
  @Authorized()
  @Query(() => Int, { description: "How many of the project's users match every field of the filter now (e.g. locked: true)." })
  userCount(@Args(() => UserCountArgs) { filter }: UserCountArgs, @Ctx() ctx: GatewayContext): Promise<number> {
    return this.searchService.count(projectOf(ctx).projectId, queryOfFilter(filter));
  }

  @Authorized()
  @Mutation(() => CreateUserPayload)
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: GatewayContext): Promise<CreateUserPayload> {
    return toCreateUserPayload(await this.service.create(projectOf(ctx).projectId, input, { nameExisting: mayNameExistingUser(ctx.session) }));
  }

  /** Project credentials only (a session caller cannot change trusted metadata or who it is). */
  @Authorized()
  @Mutation(() => UpdateUserPayload, { description: "Changes the user's name, external id and metadata (merged at the top level; null deletes a key)." })
  async updateUser(@Arg('input', () => UpdateUserInput) input: UpdateUserInput, @Ctx() ctx: GatewayContext): Promise<UpdateUserPayload> {
    return toUpdateUserPayload(await this.service.update(projectOf(ctx).projectId, input, { nameExisting: mayNameExistingUser(ctx.session) }));
  }

  @Authorized()
  @Mutation(() => DeleteUserPayload)
  async deleteUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<DeleteUserPayload> {
    return { userId: await this.service.delete(projectOf(ctx).projectId, userId) };
  }

  /** Project credentials only (a session caller cannot lift its own user's lock). */
  @Authorized()
  @Mutation(() => UnlockUserPayload, { description: "Lifts the user's lock, timed or until unlock, and clears the consecutive-failure count; audited as \"unlocked\"." })
  async unlockUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<UnlockUserPayload> {
    return toUnlockUserPayload(await this.service.unlock(projectOf(ctx).projectId, userId, ctx.requestId));
  }
}

const toUnlockUserPayload = (user: User): UnlockUserPayload => ({ userId: user.userId, user });
const toCreateUserPayload = (user: User): CreateUserPayload => ({ userId: user.userId, user });
const toUpdateUserPayload = (user: User): UpdateUserPayload => ({ userId: user.userId, user });

/** A page as a Relay connection. */
function toConnection(page: UserPage, afterGiven: boolean): UserConnection {
  const edges = page.users.map((node, i) => ({ cursor: page.cursors[i], node }));
  return {
    edges,
    nodes: page.users,
    pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: afterGiven, startCursor: page.cursors[0] ?? null, endCursor: page.cursors.at(-1) ?? null },
  };
}
