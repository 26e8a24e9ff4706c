// Codes a test sends to be refused, shared by the tests that lock users on purpose.
import { randomInt } from 'node:crypto';
import { totpCode } from './gateway';

/**
 * A 6-digit code the server cannot accept around `nowMs`: it differs from the codes of steps -2..+2,
 * so a step boundary passing mid-request cannot make it valid (the gateway accepts -1..+1, RFC 6238 §5.2).
 */
export function wrongTotpCode(secret: string, nowMs = Date.now()): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps, nowMs)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}
