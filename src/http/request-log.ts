// What each request's "request completed" log line says, so an operator can follow one request: its
// GraphQL operation name(s) (every operation of a batch), the result (success or error) and the error
// codes, next to the request id (`reqId`) and status every line already has. Never an argument value:
// only names from the parsed document and catalogue codes are recorded (OWASP Logging Cheat Sheet,
// "Data to exclude": secrets, tokens and personal data).

/** One GraphQL operation of a request, as its log line names it. */
export interface OperationOutcome {
  /** The operation's name in the document; `anonymous` when it has none or none was resolved. */
  readonly operation: string;
  /** `extensions.code` of each error the operation answered, in order; empty on success. */
  readonly errorCodes: readonly string[];
}

/** What a request recorded for its log line. */
interface RequestOutcome {
  readonly operations: OperationOutcome[];
  readonly errorCodes: string[];
}

/** Per request (Fastify's request object), dropped with it. */
const outcomes = new WeakMap<object, RequestOutcome>();

function outcomeOf(request: object): RequestOutcome {
  let outcome = outcomes.get(request);
  if (!outcome) outcomes.set(request, (outcome = { operations: [], errorCodes: [] }));
  return outcome;
}

/** The list a request's GraphQL operations are appended to (the GraphQL context holds it; see api/plugins/operation-log.plugin.ts). */
export function operationLog(request: object): OperationOutcome[] {
  return outcomeOf(request).operations;
}

/** Records the error codes of an answer given outside GraphQL execution (the HTTP edge, REST, Apollo's early refusals). */
export function recordErrorCodes(request: object, codes: readonly string[]): void {
  outcomeOf(request).errorCodes.push(...codes);
}

/** The `extensions.code` of every error in a GraphQL JSON answer (one response or a batch's list); none when it does not parse. */
export function errorCodesOf(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const responses = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ errors?: unknown } | null>;
  return responses.flatMap((response) =>
    Array.isArray(response?.errors) ? response.errors.map((error: { extensions?: { code?: unknown } }) => String(error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR')) : [],
  );
}

/** The fields of the "request completed" line's `res`: status, operations, result and error codes. */
export interface CompletedFields {
  readonly statusCode: number;
  readonly operations?: string[];
  readonly result: 'success' | 'error';
  readonly errorCodes?: string[];
}

const HTTP_ERROR_MIN = 400;

/**
 * Fastify's `res` serializer: `reply` is Fastify's reply (its `request` names the outcome recorded for
 * it). `result` is `error` when the status is 400 or more or any operation answered an error.
 */
export function completedFields(reply: { statusCode: number; request?: object }): CompletedFields {
  const outcome = reply.request ? outcomes.get(reply.request) : undefined;
  const operations = outcome?.operations ?? [];
  const errorCodes = [...(outcome?.errorCodes ?? []), ...operations.flatMap((o) => o.errorCodes)];
  return {
    statusCode: reply.statusCode,
    ...(operations.length > 0 && { operations: operations.map((o) => o.operation) }),
    result: reply.statusCode >= HTTP_ERROR_MIN || errorCodes.length > 0 ? 'error' : 'success',
    ...(errorCodes.length > 0 && { errorCodes }),
  };
}
