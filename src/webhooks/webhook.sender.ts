// One delivery attempt over HTTP to an untrusted receiver: no redirect is followed (a 3xx is a failed
// attempt), the whole attempt is bounded in time, at most RESPONSE_BODY_LIMIT_BYTES of the answer are
// read and then dropped (a receiver cannot make the gateway buffer or store its body), and the
// outcome names the status or the kind of failure, never the receiver's words.
import { Agent, request } from 'undici';
import { checkLiteralHost, pinnedLookup, RefusedAddressError } from './ssrf.guard';
import type { SignedHeaders } from './webhook.signer';

/** How much of a receiver's answer is read (then discarded) so its connection can be reused. */
const RESPONSE_BODY_LIMIT_BYTES = 64 * 1024;
/** Kept short: an error is recorded for operators, and it must not grow with what a receiver says. */
const ERROR_TEXT_MAX = 200;
const USER_AGENT = 'totp-gateway-webhooks';

/** How one attempt ended: `ok` for a 2xx answer (Standard Webhooks: any 2xx acknowledges). */
export interface AttemptResult {
  readonly ok: boolean;
  readonly statusCode: number | null;
  /** Null on success; else "HTTP 500", "timeout", "refused: ...", a connection error's code. */
  readonly error: string | null;
}

export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly options: { timeoutMs: number; allowPrivateAddresses: boolean }) {
    this.agent = new Agent({
      connect: { lookup: pinnedLookup(options.allowPrivateAddresses), timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** POSTs `body` with the signed headers to `url`; never throws. */
  async send(url: string, headers: SignedHeaders, body: string): Promise<AttemptResult> {
    try {
      checkLiteralHost(new URL(url), this.options.allowPrivateAddresses);
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      // The status is the answer (Standard Webhooks: a 2xx acknowledges): a body that then fails or never
      // ends (cut at the timeout) is dropped, not held against an acknowledged message.
      await drain(response.body).catch(() => undefined);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { ok, statusCode: response.statusCode, error: ok ? null : `HTTP ${response.statusCode}` };
    } catch (error) {
      return { ok: false, statusCode: null, error: describe(error) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Reads and drops at most RESPONSE_BODY_LIMIT_BYTES of the answer, then closes the stream (also when reading fails). */
async function drain(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<void> {
  let read = 0;
  try {
    for await (const chunk of body) {
      read += chunk.length;
      if (read >= RESPONSE_BODY_LIMIT_BYTES) break;
    }
  } finally {
    body.destroy();
  }
}

/** A failure as recorded: its kind, never a receiver's text. */
function describe(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: unknown; message?: string };
  if (error instanceof RefusedAddressError) return error.message.slice(0, ERROR_TEXT_MAX);
  if (e.cause instanceof RefusedAddressError) return e.cause.message.slice(0, ERROR_TEXT_MAX);
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
  return (code ? `connection failed: ${code}` : 'connection failed').slice(0, ERROR_TEXT_MAX);
}
