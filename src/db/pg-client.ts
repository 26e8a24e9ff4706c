// node-postgres's Client, except that a query that times out on the client side (`query_timeout`)
// closes its connection. node-postgres reports the timeout but leaves the query active on the
// connection (https://github.com/brianc/node-postgres/issues/3399): the client still looks healthy,
// the pool hands it out again, and every later query on it waits behind a reply that a vanished
// server will never send, until TCP gives up some 15 minutes later. Ending the client marks it
// (`_ending`) so pg-pool drops it when it is released and opens a fresh connection for the next
// caller, and `end()` destroys the socket of a connection with a query in flight.
import { Client } from 'pg';

const QUERY_READ_TIMEOUT = 'Query read timeout';

type Callback = (error: Error | null, result?: unknown) => void;

/** Pool settings as pg-pool hands them to each new Client, plus the bound on opening that connection. */
type PoolClientConfig = ConstructorParameters<typeof Client>[0] & { connectTimeoutMs?: number };

/**
 * The pool's `Client` (pg-pool's documented `Client` option); everything but `query` is pg's own.
 * pg-pool uses one `connectionTimeoutMillis` both for waiting on a free pooled connection and for
 * opening a new one; here a new connection gets its own, shorter bound (`connectTimeoutMs`), so a
 * busy pool (a queue behind 10 connections) is not mistaken for a server that does not answer.
 */
export class TimeoutSafeClient extends Client {
  constructor(config?: PoolClientConfig) {
    const { connectTimeoutMs, ...rest } = typeof config === 'object' ? config : ({} as PoolClientConfig & object);
    super(connectTimeoutMs === undefined ? config : { ...rest, connectionTimeoutMillis: connectTimeoutMs });
  }
}

const query = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;

function endOnTimeout(client: Client, error: unknown): void {
  if ((error as Error | null)?.message === QUERY_READ_TIMEOUT) void client.end().catch(() => undefined);
}

// Assigned on the prototype rather than declared as an override: pg's typings overload `query`
// eight ways, and this wrapper only needs to see the outcome. Both calling styles are covered: a
// returned promise (TypeORM's) and a trailing callback (pg-pool's `pool.query`).
TimeoutSafeClient.prototype.query = function (this: Client, ...args: unknown[]): unknown {
  const last = args.at(-1);
  if (typeof last === 'function') {
    args[args.length - 1] = (error: Error | null, result?: unknown) => {
      endOnTimeout(this, error);
      (last as Callback)(error, result);
    };
  }
  const result = query.apply(this, args);
  if (result instanceof Promise) result.catch((error: unknown) => endOnTimeout(this, error));
  return result;
} as Client['query'];
