// What an operation selected under the field being resolved, so a service can skip reading what
// nobody asked for. Fields are collected as graphql-js executes them (fragments, @include/@skip),
// by @graphql-tools/utils' collectFields.
import { getNamedType, isObjectType, type GraphQLResolveInfo } from 'graphql';
import { collectFields } from '@graphql-tools/utils';

/**
 * Whether the operation selects the field `name` (under any alias) of the object the current field
 * returns. True when that cannot be told (a return type that is no object type): a caller then reads
 * what it may not need, never leaves out what was asked for.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const type = getNamedType(info.returnType);
  if (!isObjectType(type)) return true;
  return info.fieldNodes.some((node) => {
    if (!node.selectionSet) return false;
    const { fields } = collectFields(info.schema, info.fragments, info.variableValues, type, node.selectionSet);
    for (const nodes of fields.values()) if (nodes.some((field) => field.name.value === name)) return true;
    return false;
  });
}
