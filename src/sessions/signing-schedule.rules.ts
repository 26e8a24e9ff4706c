// Pure rules of the JWT signing-key schedule (no I/O; src/sessions/signing-key.service.ts applies
// them to the `signing_keys` table). Keys of one project and algorithm form a chain numbered by
// `generation`. A key is published (in the JWKS) from the moment it is stored, and signs from its
// `signsFrom` until its successor's `signsFrom`. Key rollover follows "publish, then sign": a
// verifier that fetched the key set (RFC 7517 §5) at least PUBLISH_LEAD_MS before a JWT already
// holds that JWT's key, and exactly one key of the chain signs at any instant.

/**
 * How long a new key is published before it signs: well over every cache of the JWKS we control
 * (SCHEDULE_CACHE_TTL_MS in each process, `max-age=60` on GET /v1/sessions/jwks/:projectId) and a
 * verifier's usual one.
 */
export const PUBLISH_LEAD_MS = 10 * 60_000;

/**
 * How long a process keeps its copy of a chain before it reads the table again. It must stay below
 * PUBLISH_LEAD_MS: a successor stored by another process after our read signs PUBLISH_LEAD_MS after
 * it was stored at the earliest, so within this time the cached chain picks the same signer as the
 * database would (given process clocks agree; skew between processes adds to that margin).
 */
export const SCHEDULE_CACHE_TTL_MS = 60_000;

/** One key's place in its chain. Times are epoch milliseconds. */
export interface ScheduledKey {
  readonly kid: string;
  readonly generation: number;
  /** When it was stored, hence published in the JWKS. */
  readonly createdAt: number;
  /** When it starts signing: at least createdAt + PUBLISH_LEAD_MS, except a chain's first key. */
  readonly signsFrom: number;
}

/**
 * The key that signs at `nowMs`: the highest generation whose `signsFrom` has come. `keys` is one
 * chain in any order; undefined when none has started (an empty chain).
 */
export function signerAt<K extends ScheduledKey>(keys: readonly K[], nowMs: number): K | undefined {
  let signer: K | undefined;
  for (const key of keys) {
    if (key.signsFrom <= nowMs && (!signer || key.generation > signer.generation)) signer = key;
  }
  return signer;
}

/**
 * Whether `signer` needs a successor at `nowMs`: no later generation exists and its scheduled
 * period (`rotationMs` from its `signsFrom`) ends within PUBLISH_LEAD_MS or has ended (after a quiet
 * spell, when nothing asked in time; it then keeps signing until its successor has had the lead).
 */
export function successorDue(keys: readonly ScheduledKey[], signer: ScheduledKey, nowMs: number, rotationMs: number): boolean {
  if (keys.some((key) => key.generation > signer.generation)) return false;
  return nowMs >= signer.signsFrom + rotationMs - PUBLISH_LEAD_MS;
}

/**
 * When a key stored at `nowMs` signs. The first key of a chain signs at once: no key of this chain
 * exists, so no verifier can hold a key set without it that it would trust instead (a verifier
 * fetches the JWKS for an unknown `kid`). A successor signs once it has been published for
 * PUBLISH_LEAD_MS and not before its predecessor's scheduled end.
 */
export function successorSignsFrom(predecessor: ScheduledKey | undefined, nowMs: number, rotationMs: number): number {
  if (!predecessor) return nowMs;
  return Math.max(nowMs + PUBLISH_LEAD_MS, predecessor.signsFrom + rotationMs);
}
