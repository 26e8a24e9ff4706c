// How long the gateway itself waits for a busy SQLite file, and how it spaces its attempts. Which
// driver errors count as busy or unavailable, and the coded errors a client then sees, are
// src/errors/database.faults.ts.

/** How long a unit of work waits for a busy SQLite file by default (DATABASE_BUSY_TIMEOUT_MS). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** First and largest wait between attempts on a busy SQLite file. */
const FIRST_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 100;

/**
 * The wait before attempt `attempt + 1` on a busy SQLite file: exponential from 2 ms, capped at
 * 100 ms, with jitter (half to all of it) so waiting writers of several processes do not retry in
 * lock step. `random` is in [0, 1).
 */
export function busyBackoffMs(attempt: number, random: number = Math.random()): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempt, 16));
  return Math.ceil(ceiling * (0.5 + random / 2));
}
