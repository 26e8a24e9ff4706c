// Threat: hostile or malformed arguments to the user search and update (users(filter, first, after), updateUser, REST POST /v1/users/search) crash the gateway, answer 5xx, leak across projects or change data when refused: property-based fuzzing of every new argument.
import fc from 'fast-check';
import { describeEachDialect, type Dialect } from '../support/gateway';
import { seedFastCheck } from '../support/fast-check';
import { json, malformedHarness, runs, text, valueFor } from '../support/malformed';

seedFastCheck();

describeEachDialect('malformed user search and update arguments on %s', (dialect: Dialect) => {
  const h = malformedHarness(dialect);
  const cursorOf = (id: string) => Buffer.from(id).toString('base64url');
  const boolean = fc.oneof({ arbitrary: fc.boolean(), weight: 3 }, { arbitrary: valueFor('string'), weight: 1 });

  it('users: filter fields, first and after', async () => {
    const filter = fc.oneof(
      fc.record(
        {
          email: fc.oneof(valueFor('string'), fc.constant(h.victim.userId), fc.emailAddress()),
          phoneNumber: fc.oneof(valueFor('string'), fc.constant('+1 (415) 555-0199')),
          externalId: valueFor('string'),
          totpVerified: boolean,
          locked: boolean,
        },
        { requiredKeys: [] },
      ),
      json,
    );
    const first = fc.oneof(valueFor('int'), fc.integer({ min: -5, max: 1005 }));
    const after = fc.oneof(valueFor('string'), fc.constantFrom(cursorOf(h.victim.userId), cursorOf(h.pendingUserId), cursorOf(h.victim.totpId), `${cursorOf(h.victim.userId)}=`));
    const args = fc.record({ filter, first, after }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(args, (a) => h.operation('users', a)), runs(100));
    await h.stillHealthy();
  });

  it('updateUser: userId, name parts, externalId and both metadata objects', async () => {
    const input = fc.record(
      {
        // Real users too, so the other fields reach the update (a success moves the baseline).
        userId: fc.oneof(valueFor('string'), fc.constantFrom(h.victim.userId, h.pendingUserId)),
        name: fc.oneof(fc.record({ firstName: valueFor('string'), middleName: valueFor('string'), lastName: valueFor('string') }, { requiredKeys: [] }), json),
        externalId: fc.oneof(valueFor('string'), fc.constantFrom(h.victim.userId, h.victim.totpId, `user-${h.victim.userId}`)),
        trustedMetadata: valueFor('object'),
        untrustedMetadata: valueFor('object'),
      },
      { requiredKeys: ['userId'] },
    );
    await fc.assert(fc.asyncProperty(input, (i) => h.operation('updateUser', { input: i })), {
      ...runs(100),
      examples: [[{ userId: h.pendingUserId, externalId: '\u0000' }], [{ userId: h.pendingUserId, trustedMetadata: { a: null, '\u0000': 1 } }], [{ userId: '\ud800' }]],
    });
    await h.stillHealthy();
  });

  it('POST /v1/users/search: limit, cursor, operator, operands, filter names and values of any type', async () => {
    const names = fc.oneof(
      fc.constantFrom('email_address', 'phone_number', 'user_id', 'external_id', 'totp_id', 'totp_verified', 'is_locked', 'status', 'email_address_fuzzy', '__proto__', 'constructor'),
      text,
      json,
    );
    const values = fc.oneof(
      json,
      fc.array(fc.oneof(text, fc.constantFrom(h.victim.userId, h.victim.totpId, '+14155550199', 'a@example.com')), { maxLength: 120 }),
      fc.constantFrom('active', 'pending', true, false),
    );
    const operand = fc.oneof(fc.record({ filter_name: names, filter_value: values }, { requiredKeys: [] }), json);
    const body = fc.record(
      {
        limit: fc.oneof(valueFor('int'), fc.integer({ min: -1, max: 1002 })),
        cursor: fc.oneof(valueFor('string'), fc.constant(cursorOf(h.victim.userId))),
        query: fc.oneof(fc.record({ operator: fc.oneof(fc.constantFrom('AND', 'OR', 'and'), json), operands: fc.oneof(fc.array(operand, { maxLength: 25 }), json) }, { requiredKeys: [] }), json),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, json), async (b) => {
        const sent = JSON.stringify(b);
        const reply = await h.send(sent, { path: '/v1/users/search' });
        await h.judge(reply, b);
        // A refusal is Stytch's shape with a catalogue error type; a success lists users of this project only.
        const answer = reply.body as { status_code?: number; error_type?: string; results?: Array<{ user_id: string }> };
        if (reply.status === 200) expect(answer.results!.every((u) => [h.victim.userId, h.pendingUserId].includes(u.user_id))).toBe(true);
        else expect(answer).toEqual(expect.objectContaining({ status_code: reply.status, error_type: expect.any(String) }));
      }),
      runs(150),
    );
    await h.stillHealthy();
  });
});
