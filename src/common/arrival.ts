// When each HTTP request's body (which carries the code) had arrived, stamped in Fastify's
// preValidation hook, right after the body is read and before the request waits for its context, a
// database turn or a busy event loop. TOTP verification checks a code at this moment: RFC 6238 §5.2
// sizes the acceptance window for the delay between a code's generation and its arrival at the
// verifier, not for queueing inside the verifier. Not onRequest: the headers may come long before
// the body, and a client holding a request open must not get an old step verified for a code it sends
// later (TotpService also bounds how far back a stamp may reach).
import type { FastifyInstance } from 'fastify';
import type { Clock } from './clock';

declare module 'fastify' {
  interface FastifyRequest {
    /** Epoch milliseconds, on the gateway's Clock, at which the request's body had arrived. */
    receivedAtMs: number;
  }
}

export function stampArrival(app: FastifyInstance, clock: Clock): void {
  app.decorateRequest('receivedAtMs', 0);
  // A callback hook, not an async one: no promise per request for one assignment.
  app.addHook('preValidation', (request, _reply, done) => {
    request.receivedAtMs = clock.now();
    done();
  });
}
