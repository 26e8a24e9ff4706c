// Helpers for tests of several TOTPs per user and of TOTP parameters: codes computed independently
// (the `otpauth` package, not the gateway's generator) for any algorithm, digits and period.
import * as OTPAuth from 'otpauth';

export interface CodeParameters {
  readonly algorithm?: 'SHA1' | 'SHA256' | 'SHA512' | null;
  readonly digits?: number | null;
  readonly period?: number | null;
}

/** The code of a base32 secret at `nowMs` moved by `steps` of its own period (SHA1/6/30 by default). */
export function codeOf(secret: string, params: CodeParameters = {}, nowMs = Date.now(), steps = 0): string {
  const period = params.period ?? 30;
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: params.algorithm ?? 'SHA1', digits: params.digits ?? 6, period });
  return totp.generate({ timestamp: nowMs + steps * period * 1000 });
}

/** A code of `digits` digits none of the listed secrets makes within two steps of `nowMs`. */
export function wrongCodeFor(secrets: ReadonlyArray<{ secret: string; params?: CodeParameters }>, nowMs: number, digits = 6): string {
  const near = new Set(secrets.flatMap(({ secret, params }) => [-2, -1, 0, 1, 2].map((s) => codeOf(secret, params, nowMs, s))));
  for (let n = 0; ; n++) {
    const guess = String((n * 7919 + 12345) % 10 ** digits).padStart(digits, '0');
    if (!near.has(guess)) return guess;
  }
}

/** A clock frozen `offsetMs` into a 60-second step (so a 30 s step too), moved only by the test. */
export function frozenClock(offsetMs = 10_000): { t: number; now(): number; advance(ms: number): void } {
  const start = Math.floor(Date.now() / 60_000) * 60_000 + offsetMs;
  return {
    t: start,
    now() {
      return this.t;
    },
    advance(ms: number) {
      this.t += ms;
    },
  };
}
