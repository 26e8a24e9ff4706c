// Key check values: a key that cannot read the database is refused with one line naming the settings;
// the right key, and a rotation with the old key kept as previous, pass (and record the new primary);
// the old key alone after a rotation is refused.
import { randomBytes } from 'node:crypto';
import { createKeyring } from '../../src/crypto/keyring';
import { verifyKeyChecks, keyIdOf } from '../../src/crypto/key-check';
import { Envelope } from '../../src/crypto/envelope';
import { KeyedHasher } from '../../src/crypto/keyed-hash';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const old = createKeyring(oldKey);
type Ring = ReturnType<typeof createKeyring>;
/** The check a start with `ring` stored, as the primary at `atMs`. */
const stored = (ring: Ring, atMs = 1) => ({ keyId: ring.primary.id, checkValue: ring.primary.checkValue, lastPrimaryAtMs: atMs });
const record = (ring: Ring, insert: boolean) => ({ ok: true, record: { keyId: ring.primary.id, checkValue: ring.primary.checkValue, insert } });

describe('verifyKeyChecks', () => {
  it('records the primary key on an empty database', () => {
    expect(verifyKeyChecks(old, [], [])).toEqual(record(old, true));
  });

  it('passes the key whose check is stored, recording nothing', () => {
    expect(verifyKeyChecks(createKeyring(oldKey), [stored(old)], [])).toEqual({ ok: true, record: null });
  });

  it('refuses another key in one line naming GATEWAY_ENCRYPTION_KEY and GATEWAY_ENCRYPTION_KEYS_PREVIOUS', () => {
    const result = verifyKeyChecks(createKeyring(newKey), [stored(old)], []);
    expect(result.ok).toBe(false);
    const message = (result as { message: string }).message;
    expect(message).toMatch(/^GATEWAY_ENCRYPTION_KEY .*GATEWAY_ENCRYPTION_KEYS_PREVIOUS/);
    expect(message).toContain(old.primary.id);
    expect(message).not.toContain('\n');
    expect(message).not.toContain(oldKey.toString('base64'));
    expect(message).not.toContain(newKey.toString('base64'));
  });

  it('passes a rotation (new primary, old key previous) and records the new primary', () => {
    const rotated = createKeyring(newKey, [oldKey]);
    expect(verifyKeyChecks(rotated, [stored(old)], [])).toEqual(record(rotated, true));
  });

  it('after a rotation, refuses the old key alone (it cannot read what the new one wrote) and passes the new one alone', () => {
    const fresh = createKeyring(newKey);
    const checks = [stored(old, 1), stored(fresh, 2)];
    const result = verifyKeyChecks(createKeyring(oldKey), checks, []);
    expect(result.ok).toBe(false);
    expect((result as { message: string }).message).toContain(`last written under key id ${fresh.primary.id}`);
    expect(verifyKeyChecks(fresh, checks, [])).toEqual({ ok: true, record: null });
    // Rolling back on purpose (old primary, new one previous) passes and makes the old key the latest again.
    expect(verifyKeyChecks(createKeyring(oldKey, [newKey]), checks, [])).toEqual(record(old, false));
  });

  it('refuses a stored check whose key id matches but whose value does not', () => {
    expect(verifyKeyChecks(old, [{ keyId: old.primary.id, checkValue: 'forged', lastPrimaryAtMs: 1 }], []).ok).toBe(false);
  });

  it('verifies a database written before checks by the key ids in its data', () => {
    const sealed = new Envelope(old).encrypt('secret', 'totp-1');
    const hashed = new KeyedHasher(old).hash('token');
    const ids = [keyIdOf(sealed)!, keyIdOf(hashed)!];
    expect(ids).toEqual([old.primary.id, old.primary.id]);
    expect(verifyKeyChecks(createKeyring(newKey), [], ids).ok).toBe(false);
    expect(verifyKeyChecks(createKeyring(newKey, [oldKey]), [], ids).ok).toBe(true);
    expect(verifyKeyChecks(old, [], ids)).toEqual(record(old, true));
  });
});

describe('keyIdOf', () => {
  it('reads the key id of an envelope and of a keyed hash, and nothing else', () => {
    expect(keyIdOf('v1.abc123.iv.body.tag')).toBe('abc123');
    expect(keyIdOf('abc123$digest')).toBe('abc123');
    expect(keyIdOf('plain')).toBeUndefined();
  });
});

describe('key check values', () => {
  it('are stable per key, differ between keys, and are not the key', () => {
    expect(createKeyring(oldKey).primary.checkValue).toBe(old.primary.checkValue);
    expect(createKeyring(newKey).primary.checkValue).not.toBe(old.primary.checkValue);
    expect(old.primary.checkValue).not.toContain(oldKey.toString('base64url'));
  });
});
