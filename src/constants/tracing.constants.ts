// Span names and attribute keys the semantic conventions have not made stable yet (copied, as the
// conventions advise for incubating keys: https://opentelemetry.io/docs/specs/semconv/graphql/graphql-spans/,
// https://opentelemetry.io/docs/specs/semconv/db/sql/), and the gateway's own keys.

/** graphql.operation.name: the operation's name as the document gives it (absent for an anonymous one). */
export const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
/** graphql.operation.type: query, mutation or subscription. */
export const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
/** db.system.name for SQLite (incubating value). */
export const DB_SYSTEM_NAME_VALUE_SQLITE = 'sqlite';
/** The gateway's request id (the x-request-id header and every error's `extensions.requestId`). */
export const ATTR_REQUEST_ID = 'totp_gateway.request_id';
/** The instrumentation scope of every span the gateway makes. */
export const TRACER_NAME = 'totp-gateway';
/** db.query.text longer than this is not recorded (the operation name still is). */
export const MAX_RECORDED_STATEMENT_CHARS = 4096;
/**
 * A client-chosen GraphQL operation name is recorded (log line, span name and attribute) cut to this
 * many characters: a name is any length the body limit allows, and an unauthenticated caller chooses it
 * (OWASP Logging Cheat Sheet, "Event data sources": input from clients is untrusted). The metrics label
 * the same length (observability/metrics.ts).
 */
export const MAX_RECORDED_OPERATION_NAME_CHARS = 64;
