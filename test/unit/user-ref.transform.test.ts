// The externalId rule at the GraphQL edge: a `user-<uuid>` id reaches the resolver untouched and without a lookup (authenticateTotp's hot path); any other value, top-level or inside an input, is resolved once per argument before the resolver runs.
import { buildSchema, graphql, type GraphQLFieldResolver } from 'graphql';
import { randomUUID } from 'node:crypto';
import { applyUserRefs } from '../../src/users/user-ref.transform';

function schemaWithEcho() {
  const schema = buildSchema(`
    input In { userId: ID!, other: String }
    type Query { byArg(userId: ID!): String, byInput(input: In!): String, unrelated(id: ID!): String }
  `);
  const fields = schema.getQueryType()!.getFields();
  const echo: GraphQLFieldResolver<unknown, unknown> = (_source, args) => JSON.stringify(args);
  for (const field of Object.values(fields)) field.resolve = echo;
  return applyUserRefs(schema);
}

describe('applyUserRefs', () => {
  const schema = schemaWithEcho();
  const lookups: unknown[] = [];
  const contextValue = {
    project: { projectId: 'project-1' },
    session: null,
    container: { get: () => ({ resolveUserId: async (_projectId: string, ref: unknown) => (lookups.push(ref), 'user-resolved') }) },
  };
  const run = async (source: string) => {
    const result = await graphql({ schema, source, contextValue });
    expect(result.errors).toBeUndefined();
    return Object.fromEntries(Object.entries(result.data!).map(([k, v]) => [k, JSON.parse(v as string)]));
  };
  beforeEach(() => lookups.splice(0));

  it('passes a user id through without a lookup', async () => {
    const id = `user-${randomUUID()}`;
    expect(await run(`{ byArg(userId: "${id}") byInput(input: { userId: "${id}", other: "x" }) }`)).toEqual({ byArg: { userId: id }, byInput: { input: { userId: id, other: 'x' } } });
    expect(lookups).toEqual([]);
  });

  it('resolves anything else, top-level or nested, before the resolver runs', async () => {
    expect(await run('{ byArg(userId: "ext-1") byInput(input: { userId: "ext-2", other: "x" }) }')).toEqual({
      byArg: { userId: 'user-resolved' },
      byInput: { input: { userId: 'user-resolved', other: 'x' } },
    });
    expect(lookups).toEqual(['ext-1', 'ext-2']);
  });

  it('leaves fields that take no user alone', async () => {
    expect(await run('{ unrelated(id: "ext-3") }')).toEqual({ unrelated: { id: 'ext-3' } });
    expect(lookups).toEqual([]);
  });
});
