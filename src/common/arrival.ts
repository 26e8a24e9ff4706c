// When each HTTP request arrived, stamped in Fastify's first hook (onRequest), before the request
// waits for its body, its context, a database turn or a busy event loop. TOTP verification judges a
// code at this moment: RFC 6238 §5.2 sizes the acceptance window for the delay between a code's
// generation and its arrival at the verifier, not for queueing inside the verifier.
import type { FastifyInstance } from 'fastify';
import type { Clock } from './clock';

declare module 'fastify' {
  interface FastifyRequest {
    /** Epoch milliseconds, on the gateway's Clock, at which the request arrived. */
    receivedAtMs: number;
  }
}

export function stampArrival(app: FastifyInstance, clock: Clock): void {
  app.decorateRequest('receivedAtMs', 0);
  // A callback hook, not an async one: no promise per request for one assignment.
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAtMs = clock.now();
    done();
  });
}
