// One person, one user: every spelling of one email or phone number has one normal form (NFC, case, IDNA, E.164), and invalid ones have none.
import { normalizeEmail, normalizePhoneNumber, normalizeStoredIdentities } from '../../src/users/identity.normalize';

const NFC_E = '\u00e9'; // é as one code point
const NFD_E = 'e\u0301'; // e + COMBINING ACUTE ACCENT

describe('normalizeEmail', () => {
  it.each([
    ['NFC and NFD spellings of the local part', `jos${NFC_E}@example.com`, `jos${NFD_E}@example.com`],
    ['case of a non-ASCII local part', `JOS${NFC_E.toUpperCase()}@EXAMPLE.COM`, `jos${NFC_E}@example.com`],
    ['NFD upper case against NFC lower case', `JOSE\u0301@Example.Com`, `jos${NFC_E}@example.com`],
    ['a Unicode domain and its punycode', 'ada@bücher.example', 'ada@xn--bcher-kva.example'],
    ['an upper-case Unicode domain', 'ada@BÜCHER.example', 'ada@bücher.example'],
    ['an upper-case punycode domain', 'ada@XN--BCHER-KVA.EXAMPLE', 'ada@bücher.example'],
    ['an NFD Unicode domain', 'ada@bu\u0308cher.example', 'ada@bücher.example'],
    ['fullwidth letters in the domain', 'ada@ｅｘａｍｐｌｅ.com', 'ada@example.com'],
    ['an ideographic full stop in the domain', 'ada@example\u3002com', 'ada@example.com'],
    ['a trailing root dot', 'ada@example.com.', 'ada@example.com'],
    ['surrounding whitespace', ' \t ada@example.com \u00a0', 'ada@example.com'],
  ])('%s are one address', (_label, a, b) => {
    expect(normalizeEmail(a)).not.toBeNull();
    expect(normalizeEmail(a)).toBe(normalizeEmail(b));
  });

  it('stores NFC, a lower-case local part and an ASCII (punycode) domain', () => {
    expect(normalizeEmail(`JOSE\u0301@BÜCHER.Example`)).toBe(`jos${NFC_E}@xn--bcher-kva.example`);
    expect(normalizeEmail('Full.Person@Example.COM')).toBe('full.person@example.com');
    expect(normalizeEmail('ada@straße.de')).toBe('ada@xn--strae-oqa.de');
  });

  it('is idempotent', () => {
    for (const raw of [`JOS${NFD_E}@BÜCHER.example.`, 'ada@ｅｘａｍｐｌｅ.com', 'A.B+tag@Example.COM']) {
      const once = normalizeEmail(raw)!;
      expect(normalizeEmail(once)).toBe(once);
    }
  });

  it('keeps what the receiving domain decides: dots and +tags in the local part', () => {
    expect(normalizeEmail('a.da@example.com')).not.toBe(normalizeEmail('ada@example.com'));
    expect(normalizeEmail('ada+x@example.com')).not.toBe(normalizeEmail('ada@example.com'));
  });

  it('keeps different domains and different local parts apart', () => {
    expect(normalizeEmail('ada@bücher.example')).not.toBe(normalizeEmail('ada@bucher.example'));
    expect(normalizeEmail(`jos${NFC_E}@example.com`)).not.toBe(normalizeEmail('jose@example.com'));
  });

  it.each([
    ['no @', 'ada.example.com'],
    ['an empty local part', '@example.com'],
    ['an empty domain', 'ada@'],
    ['a domain without a dot', 'ada@localhost'],
    ['a domain IDNA refuses', 'ada@xn--a.com'],
    ['a space in the domain', 'ada@exa mple.com'],
    ['only a root dot', 'ada@.'],
    ['an empty string', ''],
    ['a lone surrogate', '\ud800'],
    ['a lone % (validator.js would throw)', '%@example.com%'],
    ['an address longer than the column', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`],
  ])('refuses %s', (_label, raw) => {
    expect(normalizeEmail(raw)).toBeNull();
  });
});

describe('normalizePhoneNumber', () => {
  it.each([
    '+14155550199',
    '+1 (415) 555-0199',
    '+1-415-555-0199',
    '+1.415.555.0199',
    '  +1 415 555 0199 ',
    '＋１４１５５５５０１９９', // fullwidth, folded by NFKC
    '+1 415–555–0199', // en dashes
    '+1/415/555/0199',
    '+(1) 415 555 0199',
  ])('%s is +14155550199', (raw) => {
    expect(normalizePhoneNumber(raw)).toBe('+14155550199');
  });

  it('formats other countries as E.164 and keeps fictional but possible ranges', () => {
    expect(normalizePhoneNumber('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhoneNumber('+44 (0)20 7946 0958')).toBe('+442079460958');
    expect(normalizePhoneNumber('+15555550123')).toBe('+15555550123');
  });

  it.each([
    ['a national number (no default region)', '4155550199'],
    ['a dialling prefix instead of +', '0044 20 7946 0958'],
    ['a US dialling prefix', '011 44 20 7946 0958'],
    ['an extension', '+1 415 555 0199 ext. 12'],
    ['an x extension', '+1 415 555 0199 x12'],
    ['an RFC 3966 extension', '+1 415 555 0199;ext=12'],
    ['a # extension', '+1 415 555 0199 #12'],
    ['text after the number', '+1 415 555 0199 please'],
    ['a tab inside', '+1\t415 555 0199'],
    ['too few digits for its country', '+1 415 555'],
    ['too many digits for its country', '+1 415 555 0199 0000'],
    ['an unassigned country calling code', '+999 123 456 789'],
    ['a leading zero country code', '+0 123 456 789'],
    ['letters', '+1 415 555 CALL'],
    ['a tel: URI', 'tel:+14155550199'],
    ['a number inside text', 'call +14155550199'],
    ['a lone +', '+'],
    ['an empty string', ''],
    ['an overlong input', `+1 ${'4'.repeat(100)}`],
    ['five digits', '12345'],
  ])('refuses %s', (_label, raw) => {
    expect(normalizePhoneNumber(raw)).toBeNull();
  });
});

describe('normalizeStoredIdentities', () => {
  const P1 = 'project-1';
  const P2 = 'project-2';

  it('rewrites rows to their normal forms and keeps ones that have none as they are', () => {
    const { normalized, collisions } = normalizeStoredIdentities([
      { id: 'user-a', projectId: P1, email: `JOS${NFD_E}@BÜCHER.example`, phoneNumber: '+14155550199' },
      { id: 'user-b', projectId: P1, email: 'not an email', phoneNumber: '+1234567' },
      { id: 'user-c', projectId: P1, email: null, phoneNumber: null },
    ]);
    expect(collisions).toEqual([]);
    expect(normalized).toEqual([
      { id: 'user-a', projectId: P1, email: `jos${NFC_E}@xn--bcher-kva.example`, phoneNumber: '+14155550199' },
      { id: 'user-b', projectId: P1, email: 'not an email', phoneNumber: '+1234567' },
      { id: 'user-c', projectId: P1, email: null, phoneNumber: null },
    ]);
  });

  it('names every group of users of one project that share a normal form, and only those', () => {
    const { collisions } = normalizeStoredIdentities([
      { id: 'user-2', projectId: P1, email: `jos${NFD_E}@example.com`, phoneNumber: null },
      { id: 'user-1', projectId: P1, email: `jos${NFC_E}@example.com`, phoneNumber: null },
      { id: 'user-3', projectId: P2, email: `jos${NFC_E}@example.com`, phoneNumber: '+14155550199' },
      { id: 'user-4', projectId: P2, email: 'ada@bücher.example', phoneNumber: '+1 415 555 0199' },
      { id: 'user-5', projectId: P2, email: 'ada@xn--bcher-kva.example', phoneNumber: null },
      { id: 'user-6', projectId: P2, email: null, phoneNumber: null },
      { id: 'user-7', projectId: P2, email: null, phoneNumber: null },
    ]);
    expect(collisions).toEqual([
      { projectId: P1, field: 'email', value: `jos${NFC_E}@example.com`, userIds: ['user-1', 'user-2'] },
      { projectId: P2, field: 'email', value: 'ada@xn--bcher-kva.example', userIds: ['user-4', 'user-5'] },
      { projectId: P2, field: 'phone_number', value: '+14155550199', userIds: ['user-3', 'user-4'] },
    ]);
  });
});
