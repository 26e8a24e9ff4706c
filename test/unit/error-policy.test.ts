// The one error policy (src/errors/error.wire.ts): what any thrown value becomes on the wire, what is logged, and the HTTP status it sets; nothing internal reaches a client.
import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE, ERROR_SUBTYPES, GATEWAY_OWN_CODES, GatewayError } from '../../src/errors/error.catalogue';
import { graphqlError, graphqlErrorBody, httpAnswer, logFailure, restErrorBody, shouldLog, toGatewayError } from '../../src/errors/error.wire';

/** A driver error as node-postgres raises it, wrapped as TypeORM wraps it. */
function driverError(fields: Record<string, unknown>): QueryFailedError {
  return new QueryFailedError('INSERT INTO x VALUES ($1)', ['secret-parameter'], Object.assign(new Error(String(fields.message ?? 'driver failure')), fields));
}

describe('toGatewayError', () => {
  it('keeps a catalogue error as it is, also when graphql-js wrapped it', () => {
    const thrown = new GatewayError('USER_NOT_FOUND');
    expect(toGatewayError(thrown)).toBe(thrown);
    const located = new GraphQLError(thrown.message, { path: ['user'], originalError: thrown });
    expect(toGatewayError(located)).toBe(thrown);
    const reported = new GraphQLError('validation', { originalError: new GraphQLError('rule', { originalError: thrown }) });
    expect(toGatewayError(reported)).toBe(thrown);
  });

  it('masks anything else as INTERNAL_SERVER_ERROR, keeping the cause for the log only', () => {
    const cause = new TypeError('Cannot read properties of undefined (reading "secret")');
    const masked = toGatewayError(cause);
    expect(masked.code).toBe('INTERNAL_SERVER_ERROR');
    expect(masked.message).toBe(ERROR_CATALOGUE.INTERNAL_SERVER_ERROR.message);
    expect(masked.cause).toBe(cause);
    expect(JSON.stringify(graphqlError(masked, 'r-1'))).not.toContain('secret');
    expect(JSON.stringify(restErrorBody(masked, 'r-1'))).not.toContain('secret');
    expect(toGatewayError('a string').code).toBe('INTERNAL_SERVER_ERROR');
    expect(toGatewayError(undefined).code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('answers a foreign-key violation that names its parent as that parent not being found', () => {
    const violation = driverError({ code: '23503', message: 'insert or update on table "totps" violates foreign key constraint "fk_totps_user"', table: 'totps', detail: 'Key (user_id)=(user-1) is not present in table "users".' });
    const answer = toGatewayError(violation);
    expect(answer.code).toBe('USER_NOT_FOUND');
    expect(answer.cause).toBe(violation);
  });

  it('answers transient database faults as DATABASE_BUSY or DATABASE_UNAVAILABLE with a Retry-After', () => {
    const busy = toGatewayError(driverError({ code: 'SQLITE_BUSY', message: 'database is locked' }));
    expect(busy.code).toBe('DATABASE_BUSY');
    expect(httpAnswer(busy)).toEqual({ status: 503, headers: { 'retry-after': expect.stringMatching(/^\d+$/) } });
    expect(toGatewayError(driverError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' })).code).toBe('DATABASE_UNAVAILABLE');
  });

  it("passes Apollo's client errors through with their code and the message the caller may see", () => {
    const invalid = new GraphQLError('Cannot query field "secretField" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const answer = toGatewayError(invalid, { clientMessage: (message) => message.replace('secretField', '[hidden]') });
    expect(answer.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.errorType).toBe(ERROR_CATALOGUE.GRAPHQL_VALIDATION_FAILED.errorType);
    expect(answer.message).toBe('Cannot query field "[hidden]" on type "Query".');
  });

  it('answers a bare GraphQLError with a 4xx status as BAD_REQUEST, and one without as INTERNAL_SERVER_ERROR', () => {
    const clientFault = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400 } } });
    expect(toGatewayError(clientFault)).toMatchObject({ code: 'BAD_REQUEST', message: 'provided sha does not match query' });
    const serverFault = new GraphQLError('Context creation failed: connection lost');
    expect(toGatewayError(serverFault)).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: ERROR_CATALOGUE.INTERNAL_SERVER_ERROR.message });
  });

  it("maps Fastify's refusals to their catalogue codes", () => {
    const fastify = (statusCode: number, code: string, message = 'm') => Object.assign(new Error(message), { statusCode, code });
    expect(toGatewayError(fastify(413, 'FST_ERR_CTP_BODY_TOO_LARGE')).code).toBe('PAYLOAD_TOO_LARGE');
    expect(toGatewayError(fastify(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toGatewayError(fastify(408, 'FST_ERR_REQUEST_TIMEOUT')).code).toBe('REQUEST_TIMEOUT');
    expect(toGatewayError(fastify(400, 'FST_ERR_CTP_EMPTY_JSON_BODY', 'Body cannot be empty')).message).toBe('Body cannot be empty');
    expect(toGatewayError(fastify(500, 'FST_ERR_SOMETHING')).code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('shouldLog and logFailure', () => {
  it("log the gateway's failures (their cause, without query parameters) and not the client's", () => {
    const lines: object[] = [];
    const log = { error: (details: object) => lines.push(details), warn: () => expect('a warning').toBe('no warning') };
    logFailure(log, 'r-1', new GatewayError('USER_NOT_FOUND'));
    expect(shouldLog(new GatewayError('USER_NOT_FOUND'))).toBe(false);
    expect(lines).toHaveLength(0);

    const failure = toGatewayError(driverError({ code: 'XX000', message: 'internal error' }));
    expect(shouldLog(failure)).toBe(true);
    logFailure(log, 'r-1', failure);
    expect(lines).toEqual([{ requestId: 'r-1', err: expect.objectContaining({ type: 'QueryFailedError', message: 'internal error' }) }]);
    expect(JSON.stringify(lines)).not.toContain('secret-parameter');
  });

  it('log an expected database fault as a warning naming its code, without a stack or query parameters', () => {
    const warnings: object[] = [];
    const log = { error: () => expect('an error line').toBe('a warning'), warn: (details: object) => warnings.push(details) };
    for (const cause of [driverError({ code: 'SQLITE_BUSY', message: 'database is locked' }), driverError({ code: '57P01', message: 'terminating connection' })]) {
      const fault = toGatewayError(cause);
      expect(['DATABASE_BUSY', 'DATABASE_UNAVAILABLE']).toContain(fault.code);
      logFailure(log, 'r-9', fault);
    }
    expect(warnings).toEqual([
      { requestId: 'r-9', code: 'DATABASE_BUSY', cause: 'database is locked' },
      { requestId: 'r-9', code: 'DATABASE_UNAVAILABLE', cause: 'terminating connection' },
    ]);
    expect(JSON.stringify(warnings)).not.toMatch(/secret-parameter|stack/);
  });
});

describe('the wire forms', () => {
  it('render one error for GraphQL (without Apollo’s http extension) and for REST, both with the request id', () => {
    const limited = new GatewayError('TOO_MANY_REQUESTS', { details: { retryAfterSeconds: 7, http: { status: 429 } } });
    expect(graphqlErrorBody(limited, 'r-2')).toEqual({
      errors: [{ message: limited.message, extensions: { code: 'TOO_MANY_REQUESTS', errorType: 'too_many_requests', retryAfterSeconds: 7, requestId: 'r-2' } }],
    });
    expect(graphqlError(limited, undefined, { path: ['authenticateTotp'], locations: [{ line: 1, column: 2 }] })).toEqual({
      message: limited.message,
      locations: [{ line: 1, column: 2 }],
      path: ['authenticateTotp'],
      extensions: { code: 'TOO_MANY_REQUESTS', errorType: 'too_many_requests', retryAfterSeconds: 7 },
    });
    expect(restErrorBody(limited, 'r-2')).toEqual({
      status_code: 429,
      request_id: 'r-2',
      error_type: 'too_many_requests',
      error_message: limited.message,
      error_url: 'https://stytch.com/docs/api/errors/429#too_many_requests',
    });
    expect(httpAnswer(limited)).toEqual({ status: 429, headers: { 'retry-after': '7' } });
    // The gateway's own codes point to the gateway's reference, whose rows are anchored by error_type.
    const tooOld = new GatewayError('FACTOR_TOO_OLD', { details: { factorAgeSeconds: 900, maxFactorAgeSeconds: 300 } });
    expect(restErrorBody(tooOld, 'r-3')).toMatchObject({
      error_url: 'docs/reference.md#factor_too_old',
      error_details: { factor_age_seconds: 900, max_factor_age_seconds: 300 },
    });
    // Its message names no GraphQL-only field: REST carries the age as error_details.factor_age_seconds.
    expect(tooOld.message).not.toMatch(/factorAgeSeconds|maxFactorAgeSeconds/);
    const reference = readFileSync(join(__dirname, '..', '..', 'docs', 'reference.md'), 'utf8');
    for (const code of GATEWAY_OWN_CODES) expect(reference).toContain(`<a id="${ERROR_CATALOGUE[code].errorType}"></a>\`${code}\``);
    expect(httpAnswer(new GatewayError('USER_NOT_FOUND'))).toEqual({ status: 404, headers: {} });
  });
});

describe('the catalogue', () => {
  it('is a flat list of distinct codes, and every sub-type belongs to one code', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[A-Z][A-Z_]*$/);
      expect(entry.errorType).toMatch(/^[a-z][a-z_]*$/);
      expect(entry.message).toMatch(/\.$/);
    }
    const subtypes = Object.values(ERROR_SUBTYPES).flat();
    expect(new Set(subtypes).size).toBe(subtypes.length);
    for (const subtype of subtypes) expect(subtype).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});
