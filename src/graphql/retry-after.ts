// HTTP status of a GraphQL response that failed only because the database could not serve it in
// time (DATABASE_BUSY, DATABASE_UNAVAILABLE): 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3), so
// HTTP clients, proxies and SDKs that retry on 503 do so. A response that carries any other error,
// or data for any root field, keeps its status: part of it was served, and retrying all of it could
// repeat what succeeded. (The caller leaves batches alone for the same reason: they share one status.)
import type { HTTPGraphQLHead } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';

const RETRYABLE_CODES = new Set(['DATABASE_BUSY', 'DATABASE_UNAVAILABLE']);
const SERVICE_UNAVAILABLE = 503;

/** Sets 503 and Retry-After (the largest retryAfterSeconds of the errors) on `http` when the rule above applies. */
export function applyRetryAfter(result: { readonly errors?: readonly GraphQLFormattedError[]; readonly data?: unknown }, http: HTTPGraphQLHead): void {
  if (!result.errors?.length) return;
  let seconds = 0;
  for (const error of result.errors) {
    if (!RETRYABLE_CODES.has(String(error.extensions?.code))) return;
    seconds = Math.max(seconds, Number(error.extensions?.retryAfterSeconds) || 0);
  }
  const data = result.data as Record<string, unknown> | null | undefined;
  if (data && Object.values(data).some((value) => value !== null)) return;
  http.status = SERVICE_UNAVAILABLE;
  http.headers.set('retry-after', String(seconds));
}
