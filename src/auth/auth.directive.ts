// `@auth(requires: [...])`, put on root fields by `@Authorized` (src/graphql/authorized.ts) and judged
// by the rules of src/graphql/caller.policy.ts, marks who may call a field: SECRET (a project's backend, HTTP Basic) by
// default, SESSION (a browser with the project's public token and one of its live sessions) where a
// field opts in. A schema transform enforces it and fails closed: building the schema throws if any
// root field lacks @auth, so a new resolver cannot ship open, and a field that does not name SESSION
// never runs for a session caller. The check covers the whole operation: if any root field is closed
// to the caller, every root field refuses, so a refused operation changes nothing (no allowed field
// runs beside the refused one). It lives in the resolvers, not in an Apollo plugin, so every way an
// operation is executed (Apollo, src/api/fast-path.ts) enforces it.
import {
  defaultFieldResolver,
  DirectiveLocation,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  Kind,
  type GraphQLFieldConfig,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { unauthorized } from '../graphql/context';
import { DEFAULT_ROLES, enforce, mayCall, operationAdmits, roleOf, withinMfaPolicy, type AuthRole, type CallerView } from '../graphql/caller.policy';
import { AUTH_DIRECTIVE } from '../graphql/authorized';

const authRoleEnum = new GraphQLEnumType({
  name: 'AuthRole',
  description: 'Who may call a field.',
  values: {
    SECRET: { description: "The project's backend: HTTP Basic with the project id and a secret." },
    SESSION: { description: 'A browser: X-Public-Token plus Authorization: Bearer <sessionJwt or sessionToken>, acting for its own user.' },
  },
});

export const authDirective = new GraphQLDirective({
  name: AUTH_DIRECTIVE,
  description: 'Requires credentials: a project secret (HTTP Basic) by default; `requires` also admits session callers.',
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT],
  args: {
    requires: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(authRoleEnum))), defaultValue: DEFAULT_ROLES },
  },
});

/** Who may call each root field, by `Type.field`. */
type RootRoles = ReadonlyMap<string, ReadonlySet<AuthRole>>;

export function applyAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t!.name));
  const rootRoles = new Map<string, ReadonlySet<AuthRole>>();
  const allowedFor = (field: GraphQLFieldConfig<unknown, unknown>, typeName: string): ReadonlySet<AuthRole> | null => {
    const directive = getDirective(schema, field, AUTH_DIRECTIVE)?.[0] ?? getDirective(schema, schema.getType(typeName)!, AUTH_DIRECTIVE)?.[0];
    return directive ? new Set((directive.requires as AuthRole[] | undefined) ?? DEFAULT_ROLES) : null;
  };
  // First pass: every root field's roles, so each guard can judge a whole operation.
  for (const typeName of roots) {
    const type = schema.getType(typeName) as { getFields(): Record<string, GraphQLFieldConfig<unknown, unknown> & { name: string }> };
    for (const field of Object.values(type.getFields())) {
      const allowed = allowedFor(field, typeName);
      if (!allowed) throw new Error(`${typeName}.${field.name} has no @auth directive; every root field must declare its access.`);
      rootRoles.set(`${typeName}.${field.name}`, allowed);
    }
  }
  const sessionFields = [...rootRoles].filter(([, roles]) => roles.has('SESSION')).map(([key]) => key.split('.')[1]);
  const refusals: Record<AuthRole, string> = {
    SESSION: `A session may only call ${sessionFields.join(', ')}, for its own user; use project credentials for the rest.`,
    SECRET: 'This field is for session callers (X-Public-Token and a Bearer session), not project secrets.',
  };
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, _fieldName, typeName) => {
      const allowed = allowedFor(field, typeName);
      return allowed ? guard(field, allowed, roots.has(typeName) ? rootRoles : null, refusals) : field;
    },
  });
}

function guard(
  field: GraphQLFieldConfig<unknown, CallerView>,
  allowed: ReadonlySet<AuthRole>,
  rootRoles: RootRoles | null,
  refusals: Record<AuthRole, string>,
): GraphQLFieldConfig<unknown, CallerView> {
  const resolve = field.resolve ?? defaultFieldResolver;
  return {
    ...field,
    resolve(source, args, context, info) {
      const role = roleOf(context);
      if (!role) throw unauthorized(context.refusal);
      if (!mayCall(role, allowed) || (rootRoles && !operationAllowed(info, role, rootRoles))) throw unauthorized(refusals[role]);
      // A session caller below AAL2 in a project that requires MFA: only what reaches AAL2 (caller.policy.ts).
      if (rootRoles && role === 'SESSION') enforce(withinMfaPolicy(context.session, () => rootFieldNames(info.operation.selectionSet, info)));
      return resolve(source, args, context, info);
    },
  };
}

/** Per operation and role, whether every root field admits the role (operations are cached documents). */
const verdicts = new WeakMap<OperationDefinitionNode, Map<AuthRole, boolean>>();

function operationAllowed(info: GraphQLResolveInfo, role: AuthRole, rootRoles: RootRoles): boolean {
  let byRole = verdicts.get(info.operation);
  if (!byRole) verdicts.set(info.operation, (byRole = new Map()));
  let verdict = byRole.get(role);
  if (verdict === undefined) {
    const typeName = info.parentType.name;
    verdict = operationAdmits(role, rootFieldNames(info.operation.selectionSet, info), (name) => rootRoles.get(`${typeName}.${name}`));
    byRole.set(role, verdict);
  }
  return verdict;
}

/** The root fields an operation selects, through inline fragments and fragment spreads (skipped ones included: a refusal errs safe). */
function rootFieldNames(selectionSet: SelectionSetNode, info: GraphQLResolveInfo, seen = new Set<string>()): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFieldNames(selection.selectionSet, info, seen);
    const name = selection.name.value;
    const fragment = info.fragments[name];
    if (!fragment || seen.has(name)) return [];
    seen.add(name);
    return rootFieldNames(fragment.selectionSet, info, seen);
  });
}
