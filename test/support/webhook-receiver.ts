// A real webhook receiver on 127.0.0.1 (port 0) for tests: it verifies every request's signature with
// the `standardwebhooks` package, as a project's backend would, and records what it got.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';

interface Received {
  readonly id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly body: string;
  readonly headers: IncomingMessage['headers'];
  /** Whether the signature verified with every secret the receiver was given (at least one matched). */
  readonly verified: boolean;
}

/** How the receiver answers request number `n` (0-based): a status, or 'hang' to never answer. */
export type Answer = (n: number, request: IncomingMessage) => number | 'hang' | { redirect: string };

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Every request, verified or not, in arrival order (incl. ones answered with an error). */
  readonly requests: number;
  /** The secrets signatures are verified with (set after the endpoint is created). */
  secrets: string[];
  answer: Answer;
  /** Resolves once `predicate` holds for what was received (polled; rejects after `timeoutMs`). */
  until(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const POLL_MS = 20;

export async function startReceiver(answer: Answer = () => 200): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  let requests = 0;
  const state = {
    received: [] as Received[],
    secrets: [] as string[],
    answer,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const n = requests++;
      const body = Buffer.concat(chunks).toString();
      const reply = state.answer(n, request);
      if (reply === 'hang') {
        hanging.add(response);
        return;
      }
      if (typeof reply === 'object') {
        response.writeHead(302, { location: reply.redirect }).end();
        return;
      }
      if (reply >= 200 && reply < 300) {
        const verified = state.secrets.length > 0 && state.secrets.every((secret) => verifies(secret, body, request.headers));
        const parsed = JSON.parse(body) as { type: string; data: Record<string, unknown> };
        state.received.push({ id: String(request.headers['webhook-id']), type: parsed.type, data: parsed.data, body, headers: request.headers, verified });
      }
      response.writeHead(reply, { 'content-type': 'text/plain' }).end(reply >= 400 ? 'receiver error text that must never be stored' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    get received() {
      return state.received;
    },
    get requests() {
      return requests;
    },
    get secrets() {
      return state.secrets;
    },
    set secrets(value: string[]) {
      state.secrets = value;
    },
    get answer() {
      return state.answer;
    },
    set answer(value: Answer) {
      state.answer = value;
    },
    async until(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(state.received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met; got ${JSON.stringify(state.received.map((r) => r.type))}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Standard Webhooks verification with one secret (it throws on a bad signature or an old timestamp). */
function verifies(secret: string, body: string, headers: IncomingMessage['headers']): boolean {
  try {
    new Webhook(secret).verify(body, {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}
