import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import { User } from './user.entity';
import { CreateUserInput } from './user.inputs';
import { CreateUserPayload, DeleteUserPayload, UnlockUserPayload } from './user.types';
import type { UserService } from './user.service';

@Resolver(() => User)
export class UserResolver {
  constructor(private readonly users: UserService) {}

  @Authorized()
  @Query(() => User)
  user(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<User> {
    return this.users.get(projectOf(ctx).projectId, userId);
  }

  @Authorized()
  @Mutation(() => CreateUserPayload)
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: GatewayContext): Promise<CreateUserPayload> {
    return toCreateUserPayload(await this.users.create(projectOf(ctx).projectId, input));
  }

  @Authorized()
  @Mutation(() => DeleteUserPayload)
  async deleteUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<DeleteUserPayload> {
    return { userId: await this.users.delete(projectOf(ctx).projectId, userId) };
  }

  /** Project credentials only (a session caller cannot lift its own user's lock). */
  @Authorized()
  @Mutation(() => UnlockUserPayload, { description: "Lifts the user's lock, timed or until unlock, and clears the consecutive-failure count; audited as \"unlocked\"." })
  async unlockUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GatewayContext): Promise<UnlockUserPayload> {
    return toUnlockUserPayload(await this.users.unlock(projectOf(ctx).projectId, userId, ctx.requestId));
  }
}

const toUnlockUserPayload = (user: User): UnlockUserPayload => ({ userId: user.userId, user });
const toCreateUserPayload = (user: User): CreateUserPayload => ({ userId: user.userId, user });
