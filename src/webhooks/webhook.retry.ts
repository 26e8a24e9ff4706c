// The retry schedule: exponential backoff with jitter (AWS Architecture Blog, "Exponential Backoff
// And Jitter": "equal jitter", half the delay fixed and half random, so retries of many deliveries
// spread out yet never come sooner than half the schedule), until the retry window after the event
// has passed; then the delivery is failed.
import { randomInt } from 'node:crypto';
import type { WebhookConfig } from '../config';

/** The largest exponent used, far beyond any configured cap, so the doubling cannot overflow. */
const MAX_DOUBLINGS = 30;

/** The delay before retry number `attempts` (1 after the first failed attempt), jittered. */
export function retryDelayMs(config: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxDelayMs'>, attempts: number): number {
  const exponential = Math.min(config.retryMaxDelayMs, config.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), MAX_DOUBLINGS));
  const half = Math.floor(exponential / 2);
  return exponential - half + randomInt(half + 1);
}

/** When to try again after `attempts` failed attempts of an event created at `createdAtMs`, or null: give up. */
export function nextAttempt(config: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxDelayMs' | 'retryWindowMs'>, attempts: number, createdAtMs: number, nowMs: number): number | null {
  const next = nowMs + retryDelayMs(config, attempts);
  return next > createdAtMs + config.retryWindowMs ? null : next;
}
