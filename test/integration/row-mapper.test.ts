// One source of truth for column mapping: a raw INSERT built by insertStatement writes what TypeORM reads back, and a raw SELECT's row mapped by fromRows (from the entity's TypeORM column metadata) equals what TypeORM's own query hydrates, for every column of every entity the hot path reads, on both dialects; a statement selecting fewer columns leaves the others unset.
import { fromRows, insertStatement } from '../../src/db/row-mapper';
import { sql } from '../../src/db/sql';
import { AuthenticationFactor, Session } from '../../src/sessions/session.entity';
import { Totp } from '../../src/totp/totp.entity';
import { User } from '../../src/users/user.entity';
import { describeEachDialect, startGateway, type Dialect, type TestGateway } from '../support/gateway';

describeEachDialect('fromRows on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await startGateway({ dialect })));
  afterAll(() => gw?.close());

  it('maps every users column as TypeORM does (names, JSON, epoch times, nulls, integers)', async () => {
    const userId = await gw.createUser({ name: { firstName: 'Ada', lastName: 'Lovelace' }, externalId: 'ext-1', trustedMetadata: { plan: 'pro', n: 3 } });
    await gw.gateway.db.write((m) => m.update(User, { userId }, { failedAttempts: 2, lockDeadline: new Date(1_700_000_000_123) }));
    const [mapped, typeorm] = await gw.gateway.db.read(async (m) => [fromRows(m, User, await m.query(`SELECT * FROM users WHERE id = ${dialect === 'postgres' ? '$1' : '?'}`, [userId]))[0], await m.findOneByOrFail(User, { userId })]);
    expect(mapped).toBeInstanceOf(User);
    expect({ ...mapped }).toEqual({ ...typeorm });
    expect(mapped).toMatchObject({ firstName: 'Ada', middleName: null, externalId: 'ext-1', trustedMetadata: { plan: 'pro', n: 3 }, failedAttempts: 2, lockDeadline: new Date(1_700_000_000_123) });
    expect(mapped.createdAt).toBeInstanceOf(Date);
  });

  it('maps totps columns as TypeORM does, booleans and BIGINT steps included, and leaves unselected columns unset', async () => {
    const { userId, totpId } = await gw.enroll({ verify: true });
    const placeholder = dialect === 'postgres' ? '$1' : '?';
    const [mapped, partial, typeorm] = await gw.gateway.db.read(async (m) => [
      fromRows(m, Totp, await m.query(`SELECT id, project_id, user_id, verified, last_step, expires_at, created_at, verified_at, last_used_at, label, algorithm, digits, period_seconds FROM totps WHERE id = ${placeholder}`, [totpId]))[0],
      fromRows(m, Totp, await m.query(`SELECT id, verified FROM totps WHERE user_id = ${placeholder}`, [userId]))[0],
      await m.findOneByOrFail(Totp, { totpId }),
    ]);
    expect({ ...mapped }).toEqual({ ...typeorm });
    expect(mapped).toMatchObject({ verified: true, lastStep: expect.any(Number) });
    expect(mapped.lastStep).toBeGreaterThan(0);
    expect({ ...partial }).toEqual({ totpId, verified: true });
  });

  it('a raw INSERT from the Session entity writes what TypeORM reads back (epoch times, JSON factors and claims)', async () => {
    const userId = await gw.createUser();
    const at = new Date(1_700_000_000_000);
    const factor = Object.assign(new AuthenticationFactor(), { type: 'totp', deliveryMethod: 'authenticator_app', totpId: 'totp-x', lastAuthenticatedAt: at });
    const session = Object.assign(new Session(), {
      sessionId: `session-${Date.now()}`, projectId: gw.project.projectId, userId, tokenHash: `hash-${Date.now()}`,
      startedAt: at, lastAccessedAt: at, expiresAt: new Date(at.getTime() + 60_000), authenticationFactors: [factor], customClaims: { role: 'admin' },
    });
    await gw.gateway.db.write(async (m) => {
      const insert = insertStatement(m, Session, session);
      await sql(m, insert.text, insert.params);
    });
    const stored = await gw.gateway.db.read((m) => m.findOneOrFail(Session, { where: { sessionId: session.sessionId }, select: Object.fromEntries(Object.keys(session).map((k) => [k, true])) }));
    expect({ ...stored }).toEqual({ ...session });
  });
});
