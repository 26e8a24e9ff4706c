// JWT signing keys per project, shared by every process through the database. A project's keys, of
// every algorithm, form one schedule kept in the table (`generation`, `signs_from`, `signs_until`;
// rules in src/sessions/signing-schedule.rules.ts), so every process picks the same signer at the same
// instant: a key signs only after it has been in the JWKS for PUBLISH_LEAD_MS (the usual "publish,
// then sign" order of key rollover over RFC 7517 §5 key sets), also when SESSION_JWT_ALGORITHM
// changes; exactly one key of a project signs at a time; and a key that signed stays in the JWKS for
// one more rotation period after it stops (whatever its algorithm), so the JWTs it signed (5-minute
// lifetime), and expired ones a backend still presents to name a live session, keep verifying.
//
// Rollover is decided in the database: a key is stored in a write transaction that locks and re-reads
// the schedule's last key, and the unique index on (project, algorithm, generation) lets one process
// store each generation; the others store nothing and read the winner's key. A request stores at
// most one key. After a quiet spell longer than a period the last key keeps signing (its period is
// extended) until a successor stored then has had its lead. Only a project with no key at all gets a
// key that signs at once (backdated by CLOCK_SKEW_TOLERANCE_MS for processes whose clocks are behind);
// a process that finds keys but none started by its clock signs with the earliest-starting one.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import { In, IsNull, MoreThan, type EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow } from '../db/database';
import { isUniqueViolation } from '../errors/database.faults';
import type { Envelope } from '../crypto/envelope';
import type { Clock } from '../common/clock';
import type { JwtAlgorithm } from '../config';
import { newId } from '../common/ids';
import { InternalServerError } from '../errors/error.catalogue';
import { SigningKey } from './signing-key.entity';
import { Project } from '../projects/project.entity';
import { CLOCK_SKEW_TOLERANCE_MS, PUBLISH_LEAD_MS, SCHEDULE_CACHE_TTL_MS, lastKey, nextKeySignsFrom, signerAt, type ScheduledKey } from './signing-schedule.rules';

export { CLOCK_SKEW_TOLERANCE_MS, PUBLISH_LEAD_MS, SCHEDULE_CACHE_TTL_MS };

const DAY_MS = 86_400_000;
/** How long a process trusts its cached JWKS before it looks again (below PUBLISH_LEAD_MS). */
const JWKS_CACHE_TTL_MS = 60_000;
const FORCED_REFRESH_MS = 5_000;

/** The key that signs, decrypted: what signingKey answers and what a JWT is signed with. */
export interface ActiveKey {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  /** A node:crypto key, so a signature can run on libuv's thread pool (session-jwt.signer.ts). */
  readonly privateKey: KeyObject;
}

/** A process's copy of one project's schedule: its keys signing at `loadedAt` or later. */
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
   * The key that signs now. Picked by time from this process's copy of the schedule while that copy
   * is younger than SCHEDULE_CACHE_TTL_MS (which is below PUBLISH_LEAD_MS, so no key another process
   * stored meanwhile can sign yet; a clock that stepped back reads again) and no key is due;
   * otherwise the schedule is read again, and a due key stored, in the database.
   */
  async signingKey(projectId: string): Promise<ActiveKey> {
    const now = this.clock.now();
    const cached = this.chains.get(projectId);
    const age = cached ? now - cached.loadedAt : Infinity;
    if (cached && age >= 0 && age < SCHEDULE_CACHE_TTL_MS && nextKeySignsFrom(cached.keys, this.options.algorithm, now, this.rotationMs) === null) {
      return this.activate(projectId, cached, signerAt(cached.keys, now)!);
    }
    const chain = await this.refresh(projectId);
    // A refreshed schedule has at least one key, hence a signer at any time.
    return this.activate(projectId, chain, signerAt(chain.keys, Math.max(this.clock.now(), chain.loadedAt))!);
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

  /**
   * Reads the schedule and, when a key is due (nextKeySignsFrom), stores one and reads it again: one
   * decision, so at most one key per request whatever the clocks say.
   */
  private async loadOrStore(projectId: string): Promise<Chain> {
    let now = this.clock.now();
    let keys = await this.db.read((m) => this.readChain(m, projectId, now));
    const signsFrom = nextKeySignsFrom(keys, this.options.algorithm, now, this.rotationMs);
    if (signsFrom !== null) {
      await this.store(projectId, lastKey(keys), signsFrom, now);
      now = this.clock.now();
      keys = await this.db.read((m) => this.readChain(m, projectId, now));
      if (!keys.length) throw new InternalServerError({ message: 'no signing key could be stored' });
    }
    const previous = this.chains.get(projectId)?.privateKeys;
    const privateKeys = new Map([...(previous ?? [])].filter(([kid]) => keys.some((key) => key.kid === kid)));
    const chain = { keys, loadedAt: now, privateKeys };
    this.chains.set(projectId, chain);
    return chain;
  }

  /** The project's keys, of every algorithm, that sign at `nowMs` or later. */
  private async readChain(m: EntityManager, projectId: string, nowMs: number): Promise<ScheduledKey[]> {
    const rows = await m.find(SigningKey, {
      where: [{ projectId, signsUntil: IsNull() }, { projectId, signsUntil: MoreThan(new Date(nowMs)) }],
      select: { kid: true, algorithm: true, generation: true, createdAt: true, signsFrom: true },
    });
    return rows.map((row) => ({
      kid: row.kid,
      algorithm: row.algorithm,
      generation: row.generation,
      createdAt: row.createdAt.getTime(),
      signsFrom: row.signsFrom.getTime(),
    }));
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
    return { kid: row.kid, algorithm, privateKey: createPrivateKey(pem) };
  }

  /**
   * Generates a key of the configured algorithm and stores it as that algorithm's next generation
   * (published from now on), signing from `signsFrom`, and ends the signing of the schedule's last
   * key (`tail`) where it starts. Nothing is stored when the last key changed meanwhile (its row is
   * locked first on PostgreSQL; SQLite's write transaction is exclusive) or another process stored
   * that generation first (the unique index refuses ours); the caller reads the schedule again.
   */
  private async store(projectId: string, tail: ScheduledKey | undefined, signsFrom: number, now: number): Promise<void> {
    const algorithm = this.options.algorithm;
    const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' && { modulusLength: 2048 }) });
    const kid = newId('key');
    const row = Object.assign(new SigningKey(), {
      kid,
      projectId,
      algorithm,
      privateKeyCiphertext: this.envelope.encrypt(await exportPKCS8(privateKey), kid),
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' },
      createdAt: new Date(now),
      generation: 0,
      signsFrom: new Date(signsFrom),
      signsUntil: null,
    });
    try {
      await this.db.write(async (m) => {
        // One store decision per project at a time, across processes: the project row is locked
        // first (PostgreSQL; SQLite's write transaction is exclusive), so the keys read below are
        // everything committed before us. Without it, a concurrent first key committed between our
        // two reads would leave two open keys, and two processes signing with different ones.
        await m.findOne(Project, { where: { projectId }, select: { projectId: true }, lock: this.db.rowLock });
        const open = await m.find(SigningKey, {
          where: { projectId, signsUntil: IsNull() },
          select: { kid: true, algorithm: true, generation: true, createdAt: true, signsFrom: true },
          lock: this.db.rowLock,
        });
        const current = lastKey(open.map((r) => ({ ...r, createdAt: r.createdAt.getTime(), signsFrom: r.signsFrom.getTime() })));
        if (current?.kid !== tail?.kid) return;
        const newest = await m.findOne(SigningKey, { where: { projectId, algorithm }, order: { generation: 'DESC' }, select: { kid: true, generation: true } });
        row.generation = (newest?.generation ?? 0) + 1;
        await insertRow(m, SigningKey, row);
        // Every key still open ends where the new one starts (the last key, and any a concurrent first
        // store of another algorithm left open), so none stays in the JWKS for ever.
        if (open.length) await m.update(SigningKey, { kid: In(open.map((r) => r.kid)) }, { signsUntil: new Date(signsFrom) });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    this.published.delete(projectId);
  }
}
