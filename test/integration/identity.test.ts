// One person, several users: spellings of one email (Unicode form, quoting, width, case folding, IDN) or phone number (formats, trunk prefixes) collide over GraphQL and REST, concurrently too; invalid numbers and invisible characters are refused; E.164 is stored.
import { CreateUserDocument, GetUserDocument, type CreateUserInput } from '../../client';
import { describeEachDialect, codes, startGateway, type TestGateway, type TestProject } from '../support/gateway';

const NFC_E = '\u00e9';
const NFD_E = 'e\u0301';
const CONCURRENT_CREATES = 8;

/** The parts of Stytch's user and error bodies these tests read. */
interface RestBody {
  status_code: number;
  error_type?: string;
  user_id?: string;
  user?: { phone_numbers: Array<{ phone_number: string; verified: boolean }> };
  phone_numbers?: Array<{ phone_number: string }>;
}

describeEachDialect('identity normalisation on %s', (dialect) => {
  let gw: TestGateway;
  /** Each test gets its own project, so it can use fixed addresses and numbers. */
  let project: TestProject;

  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());
  beforeEach(async () => {
    project = await gw.newProject();
  });

  const userCount = async (): Promise<number> => {
    const placeholder = dialect === 'postgres' ? '$1' : '?';
    const rows: Array<{ n: number | string }> = await gw.gateway.db.dataSource.query(`SELECT COUNT(*) AS n FROM users WHERE project_id = ${placeholder}`, [project.projectId]);
    return Number(rows[0].n);
  };
  const create = (input: CreateUserInput) => project.client.request(CreateUserDocument, { input });
  const created = async (input: CreateUserInput) => (await project.client.data(CreateUserDocument, { input })).createUser;
  const readBack = async (userId: string) => (await project.client.data(GetUserDocument, { userId })).user;

  /** POST /v1/users as the Stytch SDK sends it; returns status and JSON body. */
  const rest = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gw.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${project.projectId}:${project.secret}`).toString('base64')}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as RestBody };
  };

  /** The first spelling creates a user; every other one is refused with `code` and writes nothing. */
  async function expectOneUser(first: CreateUserInput, others: CreateUserInput[], code: string, errorType: string) {
    await created(first);
    const before = await userCount();
    for (const input of others) {
      const response = await create(input);
      expect({ input, codes: codes(response), errorType: response.errors?.[0].extensions.errorType }).toEqual({ input, codes: [code], errorType });
    }
    expect(await userCount()).toBe(before);
  }

  describe('emails over GraphQL', () => {
    it('NFC and NFD spellings (and case) of one address are one user (DUPLICATE_EMAIL)', async () => {
      await expectOneUser(
        { email: `jos${NFC_E}@example.com` },
        [{ email: `jos${NFD_E}@example.com` }, { email: `JOS${NFC_E.toUpperCase()}@EXAMPLE.COM` }, { email: `JOSE\u0301@Example.com` }, { email: ` jos${NFC_E}@example.com ` }],
        'DUPLICATE_EMAIL',
        'duplicate_email',
      );
    });

    it('NFD first, NFC second collides too, and the stored form is NFC', async () => {
      const { userId } = await created({ email: `ren${NFD_E}@example.com` });
      expect((await readBack(userId)).emails).toEqual([{ email: `ren${NFC_E}@example.com`, verified: false }]);
      expect(codes(await create({ email: `ren${NFC_E}@example.com` }))).toEqual(['DUPLICATE_EMAIL']);
    });

    it('an internationalised domain in Unicode, punycode, upper case, fullwidth or with a root dot is one domain', async () => {
      await expectOneUser(
        { email: 'ada@bücher.example' },
        [
          { email: 'ada@xn--bcher-kva.example' },
          { email: 'ada@BÜCHER.example' },
          { email: 'ADA@XN--BCHER-KVA.EXAMPLE' },
          { email: 'ada@bu\u0308cher.example' },
          { email: 'ada@ｂüｃｈｅｒ.example' },
          { email: 'ada@bücher.example.' },
        ],
        'DUPLICATE_EMAIL',
        'duplicate_email',
      );
    });

    it('stores the domain in its ASCII (punycode) form and reads it back so', async () => {
      const user = await created({ email: 'Grace@BÜCHER.Example' });
      expect(user.user.emails).toEqual([{ email: 'grace@xn--bcher-kva.example', verified: false }]);
      expect((await readBack(user.userId)).emails).toEqual([{ email: 'grace@xn--bcher-kva.example', verified: false }]);
    });

    it('concurrent creates with different spellings of one address make exactly one user', async () => {
      const spellings = [`zo${NFC_E}@bücher.example`, `ZO${NFD_E.toUpperCase()}@xn--bcher-kva.example`, `zo${NFD_E}@BÜCHER.EXAMPLE`];
      const responses = await Promise.all(Array.from({ length: CONCURRENT_CREATES }, (_, i) => create({ email: spellings[i % spellings.length] })));
      const outcomes = responses.map((r) => codes(r)[0] ?? 'created').sort();
      expect(outcomes).toEqual([...Array(CONCURRENT_CREATES - 1).fill('DUPLICATE_EMAIL'), 'created']);
      expect(await userCount()).toBe(1);
    });
  });

  describe('phone numbers over GraphQL', () => {
    it('stores E.164 and reads it back so', async () => {
      const { userId, user } = await created({ phoneNumber: '+1 (415) 555-0199' });
      expect(user.phoneNumbers).toEqual([{ phoneNumber: '+14155550199', verified: false }]);
      expect((await readBack(userId)).phoneNumbers).toEqual([{ phoneNumber: '+14155550199', verified: false }]);
    });

    it('one number in several formats is one user (DUPLICATE_PHONE_NUMBER), even beside a new email', async () => {
      await expectOneUser(
        { phoneNumber: '+14155550199' },
        [
          { phoneNumber: '+14155550199' },
          { phoneNumber: '+1 (415) 555-0199' },
          { phoneNumber: '+1-415-555-0199' },
          { phoneNumber: '+1.415.555.0199' },
          { phoneNumber: '＋１ ４１５ ５５５ ０１９９' },
          { email: 'someone-new@example.com', phoneNumber: '+1 415 555 0199' },
        ],
        'DUPLICATE_PHONE_NUMBER',
        'duplicate_phone_number',
      );
    });

    it('concurrent creates with one number in different formats make exactly one user', async () => {
      const formats = ['+442079460958', '+44 20 7946 0958', '+44 (0)20 7946 0958', '+44-20-7946-0958'];
      const responses = await Promise.all(Array.from({ length: CONCURRENT_CREATES }, (_, i) => create({ phoneNumber: formats[i % formats.length] })));
      const outcomes = responses.map((r) => codes(r)[0] ?? 'created').sort();
      expect(outcomes).toEqual([...Array(CONCURRENT_CREATES - 1).fill('DUPLICATE_PHONE_NUMBER'), 'created']);
      expect(await userCount()).toBe(1);
    });

    it('allows the same number in another project, and any number of users without one', async () => {
      await created({ phoneNumber: '+14155550142' });
      const other = await gw.newProject();
      expect(codes(await other.client.request(CreateUserDocument, { input: { phoneNumber: '+1 415 555 0142' } }))).toEqual([]);
      expect(codes(await create({ email: 'a@example.com' }))).toEqual([]);
      expect(codes(await create({ email: 'b@example.com' }))).toEqual([]);
    });

    it.each([
      ['a national number (no default region)', '4155550199'],
      ['a dialling prefix instead of +', '0044 20 7946 0958'],
      ['too few digits for its country', '+1 415 555'],
      ['too many digits for its country', '+1 415 555 0199 0000'],
      ['an unassigned country calling code', '+999 123 456 789'],
      ['an unassigned country calling code in E.164 shape', '+999123456789'],
      ['an E.164-shaped number too short for its country', '+1234567'],
      ['an extension', '+1 415 555 0199 ext. 12'],
      ['letters', '+1 415 555 CALL'],
    ])('refuses %s with BAD_USER_INPUT / invalid_phone_number and writes nothing', async (_label, phoneNumber) => {
      const before = await userCount();
      const response = await create({ email: 'valid@example.com', phoneNumber });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0].extensions.errorType).toBe('invalid_phone_number');
      expect(await userCount()).toBe(before);
    });
  });

  describe('trunk prefixes, quoting, case folding, width and invisible characters', () => {
    it('a trunk prefix written twice is the same number, stored without it (GraphQL)', async () => {
      const { user } = await created({ phoneNumber: '+49 (0) 030 7654321' });
      expect(user.phoneNumbers).toEqual([{ phoneNumber: '+49307654321', verified: false }]);
      await expectOneUser(
        { email: 'first@example.com' },
        [{ phoneNumber: '+49 30 7654321' }, { phoneNumber: '+490307654321' }, { phoneNumber: '+49 0 030 7654321' }],
        'DUPLICATE_PHONE_NUMBER',
        'duplicate_phone_number',
      );
    });

    it('quoted, case-folded and fullwidth spellings of a local part are one address (GraphQL)', async () => {
      const { user } = await created({ email: '"Gr\\ace"@example.com' });
      expect(user.emails).toEqual([{ email: 'grace@example.com', verified: false }]);
      await created({ email: 'stefan@example.com' });
      await created({ email: 'xσ@example.com' });
      await expectOneUser(
        { email: 'ada@example.com' },
        [
          { email: 'grace@example.com' },
          { email: '"grace"@example.com' },
          { email: 'ſtefan@example.com' },
          { email: 'XΣ@example.com' },
          { email: 'xς@example.com' },
          { email: 'ａｄａ@example.com' },
          { email: 'ＡＤＡ@example.com' },
        ],
        'DUPLICATE_EMAIL',
        'duplicate_email',
      );
    });

    it.each([
      ['a quoted local part that needs its quotes', '"grace hopper"@example.com'],
      ['a right-to-left override', 'a\u202e@example.com'],
      ['a zero-width space', 'gr\u200bace@example.com'],
      ['a soft hyphen', 'gr\u00adace@example.com'],
    ])('refuses %s with BAD_USER_INPUT / invalid_email and writes nothing (GraphQL)', async (_label, email) => {
      const response = await create({ email });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0].extensions.errorType).toBe('invalid_email');
      expect(response.errors?.[0].message).toMatch(/quotes.*invisible or bidirectional control/);
      expect(await userCount()).toBe(0);
    });

    it('POST /v1/users: the same collisions answer 409, the same refusals 400', async () => {
      expect((await rest({ email: 'grace@example.com', phone_number: '+49 30 7654321' })).status).toBe(200);
      expect((await rest({ email: 'stefan@example.com' })).status).toBe(200);
      expect((await rest({ email: 'ada@example.com' })).status).toBe(200);
      for (const [body, type] of [
        [{ phone_number: '+49 (0) 030 7654321' }, 'duplicate_phone_number'],
        [{ email: '"gr\\ace"@example.com' }, 'duplicate_email'],
        [{ email: 'ſtefan@example.com' }, 'duplicate_email'],
        [{ email: 'ａｄａ@example.com' }, 'duplicate_email'],
      ] as const) {
        const { status, body: answer } = await rest(body);
        expect({ body, status, type: answer.error_type }).toEqual({ body, status: 409, type });
      }
      for (const email of ['"grace hopper"@example.com', 'a\u202e@example.com']) {
        const { status, body: answer } = await rest({ email });
        expect({ email, status, type: answer.error_type }).toEqual({ email, status: 400, type: 'invalid_email' });
      }
      expect(await userCount()).toBe(3);
    });
  });

  describe('POST /v1/users', () => {
    it('refuses an NFD spelling of an address GraphQL stored as NFC: 409 duplicate_email', async () => {
      await created({ email: `no${NFC_E}l@bücher.example` });
      const { status, body } = await rest({ email: `NO${NFD_E.toUpperCase()}L@xn--bcher-kva.example` });
      expect({ status, type: body.error_type, code: body.status_code }).toEqual({ status: 409, type: 'duplicate_email', code: 409 });
      expect(await userCount()).toBe(1);
    });

    it('stores E.164, and refuses the number in another format: 409 duplicate_phone_number', async () => {
      const first = await rest({ phone_number: '+1 (415) 555-0177' });
      expect(first.status).toBe(200);
      expect(first.body.user?.phone_numbers).toEqual([expect.objectContaining({ phone_number: '+14155550177', verified: false })]);
      const fetched = await fetch(`${gw.url}/v1/users/${first.body.user_id}`, {
        headers: { authorization: `Basic ${Buffer.from(`${project.projectId}:${project.secret}`).toString('base64')}` },
      });
      expect(((await fetched.json()) as RestBody).phone_numbers?.[0].phone_number).toBe('+14155550177');

      const again = await rest({ email: 'other@example.com', phone_number: '+1-415-555-0177' });
      expect({ status: again.status, type: again.body.error_type }).toEqual({ status: 409, type: 'duplicate_phone_number' });
      expect(await userCount()).toBe(1);
    });

    it('refuses an impossible number: 400 invalid_phone_number', async () => {
      const { status, body } = await rest({ phone_number: '+1 415 555' });
      expect({ status, type: body.error_type }).toEqual({ status: 400, type: 'invalid_phone_number' });
      expect(await userCount()).toBe(0);
    });
  });
});
