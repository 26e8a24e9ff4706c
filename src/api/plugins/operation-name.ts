// The one form a client-chosen GraphQL operation name is recorded in (request log line, span name and
// attribute): a GraphQL Name (https://spec.graphql.org/October2021/#Name: letters, digits and `_`, so no
// control character or separator), cut to MAX_RECORDED_OPERATION_NAME_CHARS.
import { MAX_RECORDED_OPERATION_NAME_CHARS } from '../../constants/tracing.constants';

/** Marks a name that was cut (a GraphQL Name cannot contain it, so a cut one is never mistaken for another's full name). */
const CUT_MARK = '…';

/** `name` as logs and spans record it: unchanged up to MAX_RECORDED_OPERATION_NAME_CHARS, else its start and `…`. */
export function recordedOperationName(name: string): string {
  return name.length > MAX_RECORDED_OPERATION_NAME_CHARS ? name.slice(0, MAX_RECORDED_OPERATION_NAME_CHARS) + CUT_MARK : name;
}
