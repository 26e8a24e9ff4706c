// JWT signing keys per project, shared by every process through the database. A key signs for one
// rotation period and stays in the JWKS for one more, so JWTs it signed (5-minute lifetime) keep
// verifying during the overlap. Its successor is published PUBLISH_LEAD_MS before it signs, so a
// verifier's cached JWKS already holds the new key when the first JWT signed by it arrives (RFC 7517
// §5 key sets; the usual "publish, then sign" order of key rollover).
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { MoreThan } from 'typeorm';
import type { Database } from '../db/database';
import { insertRow } from '../db/database';
import type { Envelope } from '../crypto/envelope';
import type { Clock } from '../common/clock';
import type { JwtAlgorithm } from '../config';
import { newId } from '../common/ids';
import { SigningKey } from './signing-key.entity';

const DAY_MS = 86_400_000;
/** How long a process trusts its cached view of the key table before it looks again. */
const CACHE_TTL_MS = 60_000;
const FORCED_REFRESH_MS = 5_000;
/**
 * How long a new key is published before it signs: well over every cache of the JWKS we control
 * (CACHE_TTL_MS here, `max-age=60` on GET /v1/sessions/jwks/:projectId) and a verifier's usual one.
 */
export const PUBLISH_LEAD_MS = 10 * 60_000;

type StoredKey = Pick<SigningKey, 'kid' | 'algorithm' | 'privateKeyCiphertext' | 'createdAt'>;

interface ActiveKey {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  readonly privateKey: CryptoKey;
  readonly createdAt: number;
  readonly loadedAt: number;
}

interface PublicKeys {
  readonly keys: JWK[];
  readonly loadedAt: number;
}

export class SigningKeyService {
  private readonly active = new Map<string, Promise<ActiveKey>>();
  private readonly published = new Map<string, PublicKeys>();
  private readonly refreshing = new Map<string, Promise<ActiveKey>>();

  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly clock: Clock,
    private readonly options: { algorithm: JwtAlgorithm; rotationDays: number },
  ) {}

  private get rotationMs(): number {
    return this.options.rotationDays * DAY_MS;
  }

  /** The key that signs now; loaded or created on first use, refreshed every CACHE_TTL_MS. */
  async signingKey(projectId: string): Promise<ActiveKey> {
    const now = this.clock.now();
    const cached = this.active.get(projectId);
    if (cached) {
      const key = await cached.catch(() => undefined);
      if (key && now - key.loadedAt < CACHE_TTL_MS && now - key.createdAt < this.rotationMs + PUBLISH_LEAD_MS) return key;
    }
    // One refresh per project at a time: concurrent requests share it instead of each creating a key.
    let refreshing = this.refreshing.get(projectId);
    if (!refreshing) {
      refreshing = this.loadOrCreate(projectId, now).finally(() => this.refreshing.delete(projectId));
      this.refreshing.set(projectId, refreshing);
      this.active.set(projectId, refreshing);
      refreshing.catch(() => this.active.delete(projectId));
    }
    return refreshing;
  }

  /** Public keys still trusted for verification (the JWKS), newest first. */
  async publicKeys(projectId: string, refresh = false): Promise<JWK[]> {
    const now = this.clock.now();
    const cached = this.published.get(projectId);
    // A forced refresh (a JWT with an unknown kid) reads the table at most every FORCED_REFRESH_MS,
    // so tokens with made-up kids cannot turn every request into a database read.
    const fresh = cached && (refresh ? now - cached.loadedAt < FORCED_REFRESH_MS : now - cached.loadedAt < CACHE_TTL_MS);
    if (fresh) return cached.keys;
    const rows = await this.db.read((m) =>
      m.find(SigningKey, { where: { projectId, createdAt: MoreThan(new Date(now - 2 * this.rotationMs)) }, order: { createdAt: 'DESC' } }),
    );
    const keys = rows.map((row) => row.publicJwk as JWK);
    // Empty answers (any well-formed project id, asked by anyone on the public JWKS route) are not
    // kept, so the cache holds only projects that have keys.
    if (keys.length) this.published.set(projectId, { keys, loadedAt: now });
    return keys;
  }

  /**
   * The key that signs now. The newest key signs once it has been published PUBLISH_LEAD_MS; until
   * then its predecessor does. A key nearing the end of its period gets a successor (published, not
   * yet signing). A key is created to sign at once only when nothing usable exists: a new project,
   * a new algorithm, or a gateway idle past a whole period (verifiers then fetch the JWKS for the
   * unknown kid, as jose's remote JWK sets do).
   */
  private async loadOrCreate(projectId: string, now: number): Promise<ActiveKey> {
    const algorithm = this.options.algorithm;
    const [newest, previous] = await this.db.read((m) =>
      m.find(SigningKey, {
        where: { projectId, algorithm },
        order: { createdAt: 'DESC' },
        take: 2,
        select: { kid: true, algorithm: true, privateKeyCiphertext: true, createdAt: true },
      }),
    );
    const age = (key: StoredKey) => now - key.createdAt.getTime();
    const usable = (key: StoredKey | undefined): key is StoredKey => key !== undefined && age(key) < this.rotationMs + PUBLISH_LEAD_MS;
    if (usable(newest) && age(newest) >= PUBLISH_LEAD_MS) {
      // Two processes may both publish a successor at once; both are then published, which is harmless.
      if (age(newest) >= this.rotationMs - PUBLISH_LEAD_MS) await this.create(projectId, now);
      return this.activate(newest, now);
    }
    if (usable(newest) && usable(previous)) return this.activate(previous, now);
    const created = await this.create(projectId, now);
    return this.activate(created, now);
  }

  private async activate(key: StoredKey, now: number): Promise<ActiveKey> {
    const algorithm = key.algorithm as JwtAlgorithm;
    const pem = this.envelope.decrypt(key.privateKeyCiphertext, key.kid).toString('utf8');
    return { kid: key.kid, algorithm, privateKey: await importPKCS8(pem, algorithm), createdAt: key.createdAt.getTime(), loadedAt: now };
  }

  /** Generates, encrypts and publishes a key (in the JWKS from now on). */
  private async create(projectId: string, now: number): Promise<StoredKey> {
    const algorithm = this.options.algorithm;
    const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' && { modulusLength: 2048 }) });
    const kid = newId('key');
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' };
    const row = Object.assign(new SigningKey(), {
      kid,
      projectId,
      algorithm,
      privateKeyCiphertext: this.envelope.encrypt(await exportPKCS8(privateKey), kid),
      publicJwk,
      createdAt: new Date(now),
    });
    await this.db.write((m) => insertRow(m, SigningKey, row));
    this.published.delete(projectId);
    return row;
  }
}
