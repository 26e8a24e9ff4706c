// JWT signing keys per project, shared by every process through the database. The keys of a project
// and algorithm form a chain whose schedule lives in the table (`generation`, `signs_from`,
// `signs_until`; rules in src/sessions/signing-schedule.rules.ts), so every process picks the same
// signer at the same instant: a key signs only after it has been in the JWKS for PUBLISH_LEAD_MS
// (the usual "publish, then sign" order of key rollover over RFC 7517 §5 key sets), exactly one key
// of a chain signs at a time, and a key that signed stays in the JWKS for one more rotation period
// after it stops, so the JWTs it signed (5-minute lifetime) keep verifying.
//
// Rollover is decided in the database: a successor is stored in a write transaction that re-reads the
// chain's tail, and the unique index on (project, algorithm, generation) lets one process store each
// generation; the others' inserts fail and they read the winner's key. After a quiet spell longer
// than a period the last key keeps signing (its period is extended) until a successor stored then
// has had its lead. Only a chain with no key at all (a new project or a newly configured algorithm)
// gets a key that signs at once: no verifier can hold a key set of that chain without it.
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { IsNull, MoreThan, type EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow, isUniqueViolation } from '../db/database';
import type { Envelope } from '../crypto/envelope';
import type { Clock } from '../common/clock';
import type { JwtAlgorithm } from '../config';
import { newId } from '../common/ids';
import { InternalServerError } from '../errors/error.catalogue';
import { SigningKey } from './signing-key.entity';
import { PUBLISH_LEAD_MS, SCHEDULE_CACHE_TTL_MS, signerAt, successorDue, successorSignsFrom, type ScheduledKey } from './signing-schedule.rules';

export { PUBLISH_LEAD_MS, SCHEDULE_CACHE_TTL_MS };

const DAY_MS = 86_400_000;
/** How long a process trusts its cached JWKS before it looks again (below PUBLISH_LEAD_MS). */
const JWKS_CACHE_TTL_MS = 60_000;
const FORCED_REFRESH_MS = 5_000;
/** Reads of the chain per signing request at most: a lost race to store a key costs one more. */
const CHAIN_READ_ATTEMPTS = 3;

/** The key that signs, decrypted: what signingKey answers and what a JWT is signed with. */
export interface ActiveKey {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  readonly privateKey: CryptoKey;
}

/** A process's copy of one project's chain: the keys signing at `loadedAt` or later, by generation. */
interface Chain {
  readonly keys: readonly ScheduledKey[];
  readonly loadedAt: number;
  /** Decrypted private keys by kid, loaded on first use. */
  readonly privateKeys: Map<string, Promise<ActiveKey>>;
}

interface PublicKeys {
  readonly keys: JWK[];
  readonly loadedAt: number;
}

export class SigningKeyService {
  private readonly chains = new Map<string, Chain>();
  private readonly refreshing = new Map<string, Promise<Chain>>();
  private readonly published = new Map<string, PublicKeys>();

  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly clock: Clock,
    private readonly options: { algorithm: JwtAlgorithm; rotationDays: number },
  ) {}

  private get rotationMs(): number {
    return this.options.rotationDays * DAY_MS;
  }

  /**
   * The key that signs now. Picked by time from this process's copy of the chain while that copy is
   * younger than SCHEDULE_CACHE_TTL_MS (which is below PUBLISH_LEAD_MS, so no key another process
   * stored meanwhile can sign yet) and its signer needs no successor; otherwise the chain is read
   * again, and the successor or first key stored, in the database.
   */
  async signingKey(projectId: string): Promise<ActiveKey> {
    const now = this.clock.now();
    const cached = this.chains.get(projectId);
    if (cached && now - cached.loadedAt < SCHEDULE_CACHE_TTL_MS) {
      const signer = signerAt(cached.keys, now);
      if (signer && !successorDue(cached.keys, signer, now, this.rotationMs)) return this.activate(projectId, cached, signer);
    }
    const chain = await this.refresh(projectId);
    // A refreshed chain always has a signer at its loadedAt, hence at any later time.
    const signer = signerAt(chain.keys, Math.max(this.clock.now(), chain.loadedAt));
    if (!signer) throw new InternalServerError({ message: 'the signing-key chain has no signer' });
    return this.activate(projectId, chain, signer);
  }

  /**
   * Public keys to trust for verification (the JWKS), newest first: every key that signs now or
   * will (a successor is published from the moment it is stored), and every key that stopped
   * signing less than one rotation period ago, of every algorithm.
   */
  async publicKeys(projectId: string, refresh = false): Promise<JWK[]> {
    const now = this.clock.now();
    const cached = this.published.get(projectId);
    // A forced refresh (a JWT with an unknown kid) reads the table at most every FORCED_REFRESH_MS,
    // so tokens with made-up kids cannot turn every request into a database read.
    const fresh = cached && (refresh ? now - cached.loadedAt < FORCED_REFRESH_MS : now - cached.loadedAt < JWKS_CACHE_TTL_MS);
    if (fresh) return cached.keys;
    const rows = await this.db.read((m) =>
      m.find(SigningKey, {
        where: [{ projectId, signsUntil: IsNull() }, { projectId, signsUntil: MoreThan(new Date(now - this.rotationMs)) }],
        order: { createdAt: 'DESC' },
      }),
    );
    const keys = rows.map((row) => row.publicJwk as JWK);
    // Empty answers (any well-formed project id, asked by anyone on the public JWKS route) are not
    // kept, so the cache holds only projects that have keys.
    if (keys.length) this.published.set(projectId, { keys, loadedAt: now });
    return keys;
  }

  /** One read (and, if needed, one store) of a project's chain at a time per process. */
  private refresh(projectId: string): Promise<Chain> {
    let pending = this.refreshing.get(projectId);
    if (!pending) {
      pending = this.loadOrStore(projectId).finally(() => this.refreshing.delete(projectId));
      this.refreshing.set(projectId, pending);
    }
    return pending;
  }

  /** Reads the chain; stores its first key or its signer's due successor, then reads it again. */
  private async loadOrStore(projectId: string): Promise<Chain> {
    for (let attempt = 1; attempt <= CHAIN_READ_ATTEMPTS; attempt++) {
      const now = this.clock.now();
      const keys = await this.db.read((m) => this.readChain(m, projectId, now));
      const signer = signerAt(keys, now);
      if (signer && !successorDue(keys, signer, now, this.rotationMs)) {
        const previous = this.chains.get(projectId)?.privateKeys;
        const privateKeys = new Map([...(previous ?? [])].filter(([kid]) => keys.some((key) => key.kid === kid)));
        const chain = { keys, loadedAt: now, privateKeys };
        this.chains.set(projectId, chain);
        return chain;
      }
      await this.store(projectId, keys.at(-1), now);
    }
    throw new InternalServerError({ message: 'the signing-key chain kept changing while it was read' });
  }

  /** The configured algorithm's keys that sign at `nowMs` or later, by generation. */
  private async readChain(m: EntityManager, projectId: string, nowMs: number): Promise<ScheduledKey[]> {
    const algorithm = this.options.algorithm;
    const rows = await m.find(SigningKey, {
      where: [{ projectId, algorithm, signsUntil: IsNull() }, { projectId, algorithm, signsUntil: MoreThan(new Date(nowMs)) }],
      order: { generation: 'ASC' },
      select: { kid: true, generation: true, createdAt: true, signsFrom: true },
    });
    return rows.map((row) => ({ kid: row.kid, generation: row.generation, createdAt: row.createdAt.getTime(), signsFrom: row.signsFrom.getTime() }));
  }

  private activate(projectId: string, chain: Chain, key: ScheduledKey): Promise<ActiveKey> {
    let active = chain.privateKeys.get(key.kid);
    if (!active) {
      active = this.loadPrivateKey(projectId, key.kid);
      chain.privateKeys.set(key.kid, active);
      active.catch(() => chain.privateKeys.delete(key.kid));
    }
    return active;
  }

  private async loadPrivateKey(projectId: string, kid: string): Promise<ActiveKey> {
    const row = await this.db.read((m) =>
      m.findOneOrFail(SigningKey, { where: { projectId, kid }, select: { kid: true, algorithm: true, privateKeyCiphertext: true } }),
    );
    const algorithm = row.algorithm as JwtAlgorithm;
    const pem = this.envelope.decrypt(row.privateKeyCiphertext, row.kid).toString('utf8');
    return { kid: row.kid, algorithm, privateKey: await importPKCS8(pem, algorithm) };
  }

  /**
   * Generates a key and stores it as generation `tail + 1` (published from now on), scheduled by
   * successorSignsFrom, and ends `tail`'s signing where it starts. Nothing is stored when the tail
   * changed meanwhile or another process stored that generation first (the unique index refuses
   * ours); the caller reads the chain again either way.
   */
  private async store(projectId: string, tail: ScheduledKey | undefined, now: number): Promise<void> {
    const algorithm = this.options.algorithm;
    const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' && { modulusLength: 2048 }) });
    const kid = newId('key');
    const signsFrom = successorSignsFrom(tail, now, this.rotationMs);
    const row = Object.assign(new SigningKey(), {
      kid,
      projectId,
      algorithm,
      privateKeyCiphertext: this.envelope.encrypt(await exportPKCS8(privateKey), kid),
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' },
      createdAt: new Date(now),
      generation: (tail?.generation ?? 0) + 1,
      signsFrom: new Date(signsFrom),
      signsUntil: null,
    });
    try {
      await this.db.write(async (m) => {
        const newest = await m.findOne(SigningKey, { where: { projectId, algorithm }, order: { generation: 'DESC' }, select: { kid: true, generation: true } });
        if ((newest?.generation ?? 0) !== (tail?.generation ?? 0)) return;
        await insertRow(m, SigningKey, row);
        if (tail) await m.update(SigningKey, { kid: tail.kid }, { signsUntil: new Date(signsFrom) });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    this.published.delete(projectId);
  }
}
