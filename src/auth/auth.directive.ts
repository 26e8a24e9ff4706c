// `@auth(requires: [...])` marks who may call a field: SECRET (a project's backend, HTTP Basic) by
// default, SESSION (a browser with the project's public token and one of its live sessions) where a
// field opts in. A schema transform enforces it and fails closed: building the schema throws if any
// root field lacks @auth, so a new resolver cannot ship open, and a field that does not name SESSION
// never runs for a session caller.
import {
  defaultFieldResolver,
  DirectiveLocation,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLFieldConfig,
  type GraphQLSchema,
} from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { roleOf, unauthorized, type AuthRole, type GatewayContext } from '../graphql/context';

export const AUTH_DIRECTIVE = 'auth';
const DEFAULT_ROLES: readonly AuthRole[] = ['SECRET'];

export const authRoleEnum = new GraphQLEnumType({
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

const SESSION_REFUSED = 'A session may only call me, createTotp, authenticateTotp, recoverTotp, regenerateTotpRecoveryCodes and revokeSession, for its own user; use project credentials for the rest.';

export function applyAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t!.name));
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const type = schema.getType(typeName)!;
      const directive = getDirective(schema, field, AUTH_DIRECTIVE)?.[0] ?? getDirective(schema, type, AUTH_DIRECTIVE)?.[0];
      if (!directive) {
        if (roots.has(typeName)) throw new Error(`${typeName}.${fieldName} has no @auth directive; every root field must declare its access.`);
        return field;
      }
      return guard(field, new Set((directive.requires as AuthRole[] | undefined) ?? DEFAULT_ROLES));
    },
  });
}

function guard(field: GraphQLFieldConfig<unknown, GatewayContext>, allowed: ReadonlySet<AuthRole>): GraphQLFieldConfig<unknown, GatewayContext> {
  const resolve = field.resolve ?? defaultFieldResolver;
  return {
    ...field,
    resolve(source, args, context, info) {
      const role = roleOf(context);
      if (!role) throw unauthorized();
      if (!allowed.has(role)) throw unauthorized(role === 'SESSION' ? SESSION_REFUSED : 'This field is for session callers (X-Public-Token and a Bearer session), not project secrets.');
      return resolve(source, args, context, info);
    },
  };
}
