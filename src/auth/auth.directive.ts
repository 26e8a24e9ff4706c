// `@auth` marks what needs project credentials. A schema transform enforces it and fails closed:
// building the schema throws if any root field lacks @auth, so a new resolver cannot ship open.
import { defaultFieldResolver, DirectiveLocation, GraphQLDirective, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { unauthorized, type GatewayContext } from '../graphql/context';

export const AUTH_DIRECTIVE = 'auth';

export const authDirective = new GraphQLDirective({
  name: AUTH_DIRECTIVE,
  description: 'Requires project credentials (HTTP Basic: project id and secret).',
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT],
});

export function applyAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t!.name));
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const type = schema.getType(typeName)!;
      const guarded = Boolean(getDirective(schema, field, AUTH_DIRECTIVE)?.length || getDirective(schema, type, AUTH_DIRECTIVE)?.length);
      if (!guarded) {
        if (roots.has(typeName)) throw new Error(`${typeName}.${fieldName} has no @auth directive; every root field must declare its access.`);
        return field;
      }
      return guard(field);
    },
  });
}

function guard(field: GraphQLFieldConfig<unknown, GatewayContext>): GraphQLFieldConfig<unknown, GatewayContext> {
  const resolve = field.resolve ?? defaultFieldResolver;
  return {
    ...field,
    resolve(source, args, context, info) {
      if (!context.project) throw unauthorized();
      return resolve(source, args, context, info);
    },
  };
}
