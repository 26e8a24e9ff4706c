// "userId or externalId", decided in one place for GraphQL: Stytch accepts a user's external id
// wherever a user_id is expected (Stytch docs, "External IDs"). This schema transform wraps every root
// field that takes a user (a `userId` argument, or an input object with a `userId` field) and, before
// the resolver runs, replaces a value that is not a `user-<uuid>` id with the id of the project's user
// holding it as external id (UserService.resolveUserId: USER_NOT_FOUND otherwise). A real user id
// passes through untouched and unqueried, so authenticateTotp's hot path gains no query. The @auth
// guard wraps this one (src/schema.ts applies it last), so nothing is looked up for a refused caller.
// The REST facade applies the same function to `user_id` (src/rest/rest.route.ts).
import { getNamedType, isInputObjectType, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { isId } from '../common/ids';
import { projectOf, type GatewayContext } from '../graphql/context';
import { UserService } from './user.service';

/** The argument name that names a user, at the top level or inside an input object. */
const USER_ARGUMENT = 'userId';

/** Where a root field's arguments carry a user: the argument itself (null path) or `args[name].userId`. */
type UserArgumentPath = { readonly arg: string; readonly nested: boolean };

export function applyUserRefs(schema: GraphQLSchema): GraphQLSchema {
  const roots = new Set([schema.getQueryType(), schema.getMutationType()].filter(Boolean).map((t) => t!.name));
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName) => {
      if (!roots.has(typeName)) return field;
      const paths = userArgumentPaths(field);
      return paths.length ? resolvingUserRefs(field, paths) : field;
    },
  });
}

function userArgumentPaths(field: GraphQLFieldConfig<unknown, unknown>): UserArgumentPath[] {
  return Object.entries(field.args ?? {}).flatMap(([arg, config]): UserArgumentPath[] => {
    if (arg === USER_ARGUMENT) return [{ arg, nested: false }];
    const type = getNamedType(config.type);
    return isInputObjectType(type) && USER_ARGUMENT in type.getFields() ? [{ arg, nested: true }] : [];
  });
}

/** The value at `path`, when it is present and not already a user id (which needs no lookup). */
function refAt(args: Record<string, unknown>, { arg, nested }: UserArgumentPath): { present: boolean; value: unknown } {
  const holder = nested ? args[arg] : args;
  if (!holder || typeof holder !== 'object' || !(USER_ARGUMENT in holder)) return { present: false, value: undefined };
  const value = (holder as Record<string, unknown>)[USER_ARGUMENT];
  return { present: value != null && !isId('user', value), value };
}

function resolvingUserRefs(field: GraphQLFieldConfig<unknown, GatewayContext>, paths: UserArgumentPath[]): GraphQLFieldConfig<unknown, GatewayContext> {
  const resolve = field.resolve!;
  return {
    ...field,
    resolve(source, args, context, info) {
      const pending = paths.filter((path) => refAt(args, path).present);
      if (!pending.length) return resolve(source, args, context, info);
      return (async () => {
        const users = (await context.container.get(UserService, { context } as never)) as UserService;
        const projectId = projectOf(context).projectId;
        let resolved: Record<string, unknown> = args;
        for (const path of pending) {
          const userId = await users.resolveUserId(projectId, refAt(args, path).value);
          resolved = path.nested ? { ...resolved, [path.arg]: { ...(resolved[path.arg] as object), [USER_ARGUMENT]: userId } } : { ...resolved, [USER_ARGUMENT]: userId };
        }
        return resolve(source, resolved, context, info);
      })();
    },
  };
}
