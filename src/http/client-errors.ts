// Answers for requests that never reach a route: a URL the router cannot decode (Fastify's
// frameworkErrors) and a connection Node's HTTP parser refuses or times out (clientError). Both get
// the catalogue's body with a request id, in the REST facade's form under /v1 and GraphQL's elsewhere,
// so "every error body carries its request id" holds at this layer too.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/error.catalogue';
import { graphqlErrorBody, restErrorBody } from '../errors/error.wire';

const REST_PREFIX = '/v1/';
/** Node's `clientError` codes for a request that did not arrive in time (RFC 9110 §15.5.9). */
const TIMEOUT_CODES = new Set(['ERR_HTTP_REQUEST_TIMEOUT', 'ERR_HTTP_HEADERS_TIMEOUT']);

/** The catalogue error for a request target that is not percent-encoded UTF-8 (RFC 3986 §2.5). */
const badUrl = () => new GatewayError('BAD_REQUEST', { errorType: 'invalid_utf8', message: 'The URL is not valid percent-encoded UTF-8 (RFC 3986 §2.5).' });

/** An error body in the form the path's transport uses, carrying `requestId`. */
function errorBodyFor(path: string, error: GatewayError, requestId: string): unknown {
  return path.startsWith(REST_PREFIX) ? restErrorBody(error, requestId) : graphqlErrorBody(error, requestId);
}

/** Fastify `frameworkErrors`: a URL the router cannot decode (FST_ERR_BAD_URL) answers the catalogue's 400. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const answer = error.code === 'FST_ERR_BAD_URL' ? badUrl() : new GatewayError('BAD_REQUEST');
  void reply
    .status(answer.status)
    .header('x-request-id', request.id)
    .send(errorBodyFor(request.raw.url ?? '', answer, request.id));
}

/**
 * Fastify `clientErrorHandler`: Node refused the request before Fastify saw it (a malformed request
 * line or header, a bad Content-Length, a request past HTTP_REQUEST_TIMEOUT_SECONDS). Writes the
 * catalogue's 400 BAD_REQUEST or 408 REQUEST_TIMEOUT with a fresh request id and closes the connection.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection, or one already gone, has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = new GatewayError(TIMEOUT_CODES.has(error.code ?? '') ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST');
  const requestId = randomUUID();
  // The request line may not have been read: the GraphQL form, which names no path.
  const body = JSON.stringify(graphqlErrorBody(answer, requestId));
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
