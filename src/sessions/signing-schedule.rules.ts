// Pure rules of the JWT signing-key schedule (no I/O; src/sessions/signing-key.service.ts applies
// them to the `signing_keys` table). All keys of a project, of every algorithm, form one timeline
// ordered by `signsFrom`: a key signs from its `signsFrom` until the next key's `signsFrom`, so exactly
// one key of a project signs at any instant, also across a change of SESSION_JWT_ALGORITHM (a key's
// `generation` numbers it among the keys of its algorithm). A key is published (in the JWKS) from the
// moment it is stored. Key rollover follows "publish, then sign": a verifier that fetched the key set
// (RFC 7517 §5) at least PUBLISH_LEAD_MS before a JWT already holds that JWT's key. Only a project's
// very first key signs at once (no verifier can hold a key set of the project without it).

/**
 * How long a new key is published before it signs: well over every cache of the JWKS we control
 * (SCHEDULE_CACHE_TTL_MS in each process, `max-age=60` on GET /v1/sessions/jwks/:projectId) and a
 * verifier's usual one.
 */
export const PUBLISH_LEAD_MS = 10 * 60_000;

/**
 * How long a process keeps its copy of a chain before it reads the table again. It must stay below
 * PUBLISH_LEAD_MS: a key stored by another process after our read signs PUBLISH_LEAD_MS after it was
 * stored at the earliest, so within this time the cached chain picks the same signer as the database
 * would (given process clocks agree; skew between processes adds to that margin).
 */
export const SCHEDULE_CACHE_TTL_MS = 60_000;

/**
 * How far a project's first key is backdated: its `signsFrom` is this much before the clock of the
 * process that stores it, so another process whose clock is up to this far behind (or this process
 * after its clock stepped back) finds it signing already. A JWT cannot predate the key, so backdating
 * lets no verifier see a key it could not have fetched. A process further behind still signs with the
 * earliest-starting key (signerAt), never a key of its own.
 */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;

/** One key's place in its project's schedule. Times are epoch milliseconds. */
export interface ScheduledKey {
  readonly kid: string;
  /** Its JWS `alg` (SESSION_JWT_ALGORITHM when it was stored). */
  readonly algorithm: string;
  /** Its place among the project's keys of `algorithm`, from 1. */
  readonly generation: number;
  /** When it was stored, hence published in the JWKS. */
  readonly createdAt: number;
  /** When it starts signing: at least createdAt + PUBLISH_LEAD_MS, except a project's first key. */
  readonly signsFrom: number;
}

/** Schedule order: by `signsFrom`, ties (two first keys stored at one instant) by createdAt, then kid. */
function later(a: ScheduledKey, b: ScheduledKey): boolean {
  if (a.signsFrom !== b.signsFrom) return a.signsFrom > b.signsFrom;
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt;
  return a.kid > b.kid;
}

/** The last key of the schedule (the one with no successor), or undefined for no keys. */
export function lastKey<K extends ScheduledKey>(keys: readonly K[]): K | undefined {
  let last: K | undefined;
  for (const key of keys) if (!last || later(key, last)) last = key;
  return last;
}

/**
 * When `key`'s signing period starts, for its rotation: its `signsFrom`, or for a project's first key
 * (backdated) its creation, so backdating never shortens a period.
 */
function periodStart(key: ScheduledKey): number {
  return Math.max(key.signsFrom, key.createdAt);
}

/**
 * The key that signs at `nowMs`: the latest in schedule order whose `signsFrom` has come. When keys
 * exist but none has started by this clock (it is behind the clock of the process that stored them,
 * or stepped back), the earliest-starting one: a key exists, so none is ever made for that reason.
 * Undefined only for no keys.
 */
export function signerAt<K extends ScheduledKey>(keys: readonly K[], nowMs: number): K | undefined {
  let signer: K | undefined;
  let earliest: K | undefined;
  for (const key of keys) {
    if (key.signsFrom <= nowMs && (!signer || later(key, signer))) signer = key;
    if (!earliest || later(earliest, key)) earliest = key;
  }
  return signer ?? earliest;
}

/**
 * When the next key, of `algorithm`, must be stored at `nowMs`, it signs from the returned time;
 * null when none is needed. `keys` are the project's keys that sign at `nowMs` or later, of every
 * algorithm, in any order.
 * - No key: the project's first key, signing at once (backdated by CLOCK_SKEW_TOLERANCE_MS).
 * - A key after the signer already exists (a successor or an algorithm switch is scheduled): none.
 * - The signer is of another algorithm (SESSION_JWT_ALGORITHM changed): a key that signs once it has
 *   been published for PUBLISH_LEAD_MS; the signer signs until then.
 * - The signer's period (`rotationMs` from its start, periodStart) ends within PUBLISH_LEAD_MS or has ended
 *   (after a quiet spell): a successor that signs once published for PUBLISH_LEAD_MS and not before
 *   that end; the signer signs until then.
 */
export function nextKeySignsFrom(keys: readonly ScheduledKey[], algorithm: string, nowMs: number, rotationMs: number): number | null {
  const signer = signerAt(keys, nowMs);
  if (!signer) return nowMs - CLOCK_SKEW_TOLERANCE_MS;
  if (lastKey(keys) !== signer) return null;
  if (signer.algorithm !== algorithm) return nowMs + PUBLISH_LEAD_MS;
  const periodEnd = periodStart(signer) + rotationMs;
  if (nowMs < periodEnd - PUBLISH_LEAD_MS) return null;
  return Math.max(nowMs + PUBLISH_LEAD_MS, periodEnd);
}
