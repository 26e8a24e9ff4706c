// One person, one user: every spelling of one email (NFC, quoting, width, case folding, IDNA) or phone number (E.164, trunk prefixes) has one normal form, normalising is idempotent, and invalid ones have none.
import fc from 'fast-check';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js';
import { mapWidth, normalizeEmail, normalizePhoneNumber, normalizeStoredIdentities, simpleCaseFold } from '../../src/users/identity.normalize';
import { seedFastCheck } from '../support/fast-check';

seedFastCheck();

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

describe('normalizeEmail: quoting, width, case folding and invisible characters', () => {
  it.each([
    ['a quoted local part', '"grace"@example.com', 'grace@example.com'],
    ['a backslash escape inside quotes', '"gr\\ace"@example.com', 'grace@example.com'],
    ['an escaped quote-free dot-atom', '"gr\\a\\c\\e"@example.com', 'grace@example.com'],
    ['quoted words joined by dots (RFC 5322 obs-local-part)', '"grace".hopper@example.com', 'grace.hopper@example.com'],
    ['a quoted dot inside a word', '"grace.hopper"@example.com', 'grace.hopper@example.com'],
    ['quoted upper case', '"GRACE"@example.com', 'grace@example.com'],
    ['fullwidth letters in the local part', 'ａｄａ@example.com', 'ada@example.com'],
    ['fullwidth upper case', 'ＡＤＡ@example.com', 'ada@example.com'],
    ['halfwidth katakana and its voiced mark', 'ｶﾞ@example.com', 'ガ@example.com'],
    ['long s (U+017F)', 'ſtefan@example.com', 'stefan@example.com'],
    ['upper-case sigma at the end of a word', 'XΣ@example.com', 'xσ@example.com'],
    ['final sigma (U+03C2)', 'xς@example.com', 'xσ@example.com'],
    ['micro sign (U+00B5)', 'µ@example.com', 'μ@example.com'],
    ['Kelvin sign (U+212A)', '\u212aelvin@example.com', 'kelvin@example.com'],
    ['curled beta (U+03D0)', 'ϐ@example.com', 'β@example.com'],
    ['theta symbol (U+03D1)', 'ϑ@example.com', 'θ@example.com'],
    ['Cyrillic rounded ve (U+1C80)', '\u1c80@example.com', 'в@example.com'],
    ['alpha with psili and prosgegrammeni (U+1F88)', '\u1f88@example.com', '\u1f80@example.com'],
    ['alpha with psili and ypogegrammeni (U+1F80)', '\u1f80@example.com', '\u1f00\u03b9@example.com'],
    ['capital I with dot above (U+0130)', '\u0130@example.com', 'i\u0307@example.com'],
    ['capital sharp s (U+1E9E)', '\u1e9e@example.com', 'ß@example.com'],
  ])('%s is one address', (_label, a, b) => {
    expect(normalizeEmail(a)).not.toBeNull();
    expect(normalizeEmail(a)).toBe(normalizeEmail(b));
  });

  it('stores quoted and folded local parts unquoted and folded', () => {
    expect(normalizeEmail('"Gr\\ace"@Example.com')).toBe('grace@example.com');
    expect(normalizeEmail('ＡＤＡ@example.com')).toBe('ada@example.com');
    expect(normalizeEmail('ſtefan@example.com')).toBe('stefan@example.com');
    expect(normalizeEmail('XΣ@example.com')).toBe('xσ@example.com');
  });

  it.each([
    ['dotless i and i (only Turkic folding joins them)', 'ı@example.com', 'i@example.com'],
    ['sharp s and ss (simple folding does not expand ß)', 'straße@example.com', 'strasse@example.com'],
    ['Greek final sigma and Latin s', 'xς@example.com', 'xs@example.com'],
  ])('keeps %s apart', (_label, a, b) => {
    expect(normalizeEmail(a)).not.toBeNull();
    expect(normalizeEmail(a)).not.toBe(normalizeEmail(b));
  });

  it.each([
    ['a quoted space', '"grace hopper"@example.com'],
    ['a quoted @', '"grace@home"@example.com'],
    ['an escaped quote', '"gr\\"ace"@example.com'],
    ['a quoted leading dot', '".grace"@example.com'],
    ['a quoted double dot', '"gr..ace"@example.com'],
    ['an empty quoted string', '""@example.com'],
    ['an unbalanced quote', '"grace@example.com'],
    ['a quote inside a word', 'gr"ace"@example.com'],
    ['a backslash outside quotes', 'gr\\ace@example.com'],
    ['a fullwidth quote', '＂grace＂@example.com'],
    ['a fullwidth double dot', 'gr．．ace@example.com'],
    ['a soft hyphen (U+00AD)', 'gr\u00adace@example.com'],
    ['a zero-width space (U+200B)', 'gr\u200bace@example.com'],
    ['a zero-width joiner (U+200D)', 'gr\u200dace@example.com'],
    ['a right-to-left override (U+202E)', 'a\u202e@example.com'],
    ['a left-to-right mark (U+200E)', 'grace\u200e@example.com'],
    ['an Arabic letter mark (U+061C)', 'grace\u061c@example.com'],
    ['a variation selector (U+FE0F)', 'grace\ufe0f@example.com'],
    ['a quoted zero-width space', '"gr\u200bace"@example.com'],
    ['a halfwidth Hangul filler (U+FFA0)', 'grace\uffa0@example.com'],
  ])('refuses %s in the local part', (_label, raw) => {
    expect(normalizeEmail(raw)).toBeNull();
  });

  it('refuses every default-ignorable and bidi-control code point in the local part', () => {
    let checked = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const char = String.fromCodePoint(cp);
      if (!/[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u.test(char)) continue;
      checked++;
      expect({ cp, email: normalizeEmail(`gr${char}ace@example.com`) }).toEqual({ cp, email: null });
    }
    expect(checked).toBeGreaterThan(4000); // U+E0000-U+E0FFF alone are 4096
  });

  it('maps every fullwidth ASCII form (U+FF01-U+FF5E) as its ASCII character', () => {
    for (let cp = 0xff01; cp <= 0xff5e; cp++) {
      const ascii = String.fromCharCode(cp - 0xfee0);
      expect({ cp, email: normalizeEmail(`a${String.fromCharCode(cp)}b@example.com`) }).toEqual({ cp, email: normalizeEmail(`a${ascii}b@example.com`) });
    }
  });

  it('maps <wide> and <narrow> forms one decomposition level deep (RFC 8264 width mapping)', () => {
    expect(mapWidth('\u3000ａＺ０！～｟')).toBe(' aZ0!~\u2985');
    expect(mapWidth('ｶﾞﾟｰ｡')).toBe('カ\u3099\u309aー。');
    expect(mapWidth('\uffa1\uffc2\uffdc')).toBe('\u3131\u314f\u3163'); // halfwidth Hangul: compatibility jamo, not conjoining jamo
    expect(mapWidth('\uffe0\uffe3\uffe6\uffee')).toBe('\u00a2\u00af\u20a9\u25cb'); // ￣ is ¯, not its own <compat> space + macron
    expect(mapWidth('aé漢\uffef')).toBe('aé漢\uffef');
  });
});

/** A code point as a `\u{...}` regular-expression escape. */
const escapeCodePoint = (char: string) => `\\u{${char.codePointAt(0)!.toString(16)}}`;
/** ECMAScript's `/iu` compares by Unicode simple case folding (ECMA-262 Canonicalize, CaseFolding.txt C+S). */
const caselessly = (a: string, b: string) => new RegExp(`^${escapeCodePoint(a)}$`, 'iu').test(b);

describe('simpleCaseFold', () => {
  it('folds every code point to one code point the engine calls its case variant, and folded ones to themselves', () => {
    const cased = /[\p{Cased}\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}]/u;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCodePoint(cp);
      const folded = simpleCaseFold(char);
      if (folded === char && !cased.test(char)) continue;
      if ([...folded].length !== 1 || !caselessly(char, folded) || simpleCaseFold(folded) !== folded) {
        throw new Error(`U+${cp.toString(16)} folds to ${JSON.stringify(folded)}`);
      }
    }
  });

  it('folds all case variants alike: no two different folded forms are case variants of each other', () => {
    const folded = new Set<string>();
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp < 0xd800 || cp > 0xdfff) folded.add(simpleCaseFold(String.fromCodePoint(cp)));
    }
    const cased = [...folded].filter((char) => /[\p{Cased}\p{Changes_When_Casemapped}]/u.test(char));
    for (const a of cased) {
      const variant = new RegExp(`^${escapeCodePoint(a)}$`, 'iu');
      const clash = cased.find((b) => b !== a && variant.test(b));
      if (clash) throw new Error(`${JSON.stringify(a)} and ${JSON.stringify(clash)} are case variants but both folded forms`);
    }
  });
});

/** Local parts built from characters that exercise every step: case classes, combining marks, width forms, quotes, invisibles. */
const LOCAL_CHARS = ['a', 'B', 's', 'S', 'ſ', 'σ', 'ς', 'Σ', 'µ', 'μ', 'K', '\u212a', 'ϐ', 'β', '\u1f80', '\u1f88', '\u0130', 'ı', 'i', 'ß', '\u1e9e', 'é', 'e', '\u0301', '\u0307', '\u0345', 'ａ', 'Ｂ', 'ｶ', 'ﾞ', '.', '+', '-', '_', '"', '\\', ' ', '@', '\u00ad', '\u202e', '．'];
const DOMAINS = ['example.com', 'BÜCHER.example', 'ｅｘａｍｐｌｅ.com', 'xn--bcher-kva.example.'];
const localPart = (chars: readonly string[]) => fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));

describe('normalizeEmail properties', () => {
  it('is idempotent: the stored form normalises to itself', () => {
    const raw = fc.tuple(localPart(LOCAL_CHARS), fc.boolean(), fc.constantFrom(...DOMAINS)).map(([local, quoted, domain]) => `${quoted ? `"${local}"` : local}@${domain}`);
    fc.assert(
      fc.property(raw, (email) => {
        const once = normalizeEmail(email);
        return once === null || normalizeEmail(once) === once;
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores quoting: a quoted local part, with any characters escaped, is the unquoted one', () => {
    const atext = LOCAL_CHARS.filter((c) => !['"', '\\', ' ', '@'].includes(c));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...atext), fc.boolean()), { minLength: 1, maxLength: 12 }), (chars) => {
        const plain = chars.map(([c]) => c).join('');
        const quoted = `"${chars.map(([c, escape]) => (escape ? `\\${c}` : c)).join('')}"`;
        return normalizeEmail(`${quoted}@example.com`) === normalizeEmail(`${plain}@example.com`);
      }),
    );
  });

  it('ignores case: replacing letters by case variants (per /iu) keeps the stored form', () => {
    const letters = LOCAL_CHARS.filter((c) => /[\p{L}\p{M}]/u.test(c));
    // Combining marks stay as they are: swapping U+0345 for a spacing capital iota would change which letter a following mark sits on.
    const variants = (c: string) => (/\p{M}/u.test(c) ? [c] : [c, c.toUpperCase(), c.toLowerCase()].filter((v) => [...v].length === 1 && caselessly(c, v)));
    const spelled = fc.array(fc.constantFrom(...letters), { minLength: 1, maxLength: 12 }).chain((chars) =>
      fc.tuple(fc.constant(chars.join('')), fc.tuple(...chars.map((c) => fc.constantFrom(...variants(c)))).map((v) => v.join(''))),
    );
    fc.assert(
      fc.property(spelled, ([a, b]) => normalizeEmail(`${a}@example.com`) === normalizeEmail(`${b}@example.com`)),
      { numRuns: 2000 },
    );
  });

  it('ignores width: fullwidth forms of ASCII letters and digits are the letters and digits', () => {
    const chars = fc.array(fc.tuple(fc.constantFrom(...'abcXYZ019.+-_'), fc.boolean()), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(chars, (pairs) => {
        const plain = pairs.map(([c]) => c).join('');
        const wide = pairs.map(([c, w]) => (w ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');
        return normalizeEmail(`${wide}@example.com`) === normalizeEmail(`${plain}@example.com`);
      }),
    );
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
    ['a trunk prefix in brackets and again in the area code', '+49 (0) 030 7654321', '+49 30 7654321'],
    ['a stored form with the trunk prefix left in', '+490307654321', '+49307654321'],
    ['a Hamburg number stored with its trunk prefix', '+490401234121', '+49 40 1234121'],
    ['two trunk prefixes (South Africa)', '+27002414143', '+27 24 1414 3'],
    ['one trunk prefix (South Africa)', '+2702414143', '+272414143'],
    ['a UK number with (0) and a 0', '+44 (0) 020 7946 0958', '+44 20 7946 0958'],
    ['three trunk prefixes', '+49 0 0 030 7654321', '+49307654321'],
  ])('%s is one number', (_label, a, b) => {
    expect(normalizePhoneNumber(a)).not.toBeNull();
    expect(normalizePhoneNumber(a)).toBe(normalizePhoneNumber(b));
  });

  it('stores the number without its trunk prefixes, and keeps leading zeros that belong to the number', () => {
    expect(normalizePhoneNumber('+49 (0) 030 7654321')).toBe('+49307654321');
    expect(normalizePhoneNumber('+27002414143')).toBe('+272414143');
    // Italy's leading 0 is part of the number, not a trunk prefix (libphonenumber's metadata knows which).
    expect(normalizePhoneNumber('+39 06 1234 5678')).toBe('+390612345678');
  });

  it('refuses a number whose trunk prefix is written so often that it does not settle within the parse bound', () => {
    expect(normalizePhoneNumber('+49 0 0 0 030 7654321')).toBeNull();
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

/** Every country calling code libphonenumber-js's metadata knows. */
const CALLING_CODES = [...new Set(getCountries().map((country) => getCountryCallingCode(country)))];
const SEPARATORS = ['', ' ', '-', '.', '/'];
/** Digits written as people write them: split into groups by random separators. */
const written = (digits: string) =>
  fc.array(fc.constantFrom(...SEPARATORS), { minLength: digits.length, maxLength: digits.length }).map((seps) => [...digits].map((d, i) => (i ? seps[i] : '') + d).join(''));
/** A phone number as typed: a calling code, maybe one or two trunk prefixes ((0), 0), then 4 to 13 digits in groups. */
const typedPhone = fc
  .tuple(fc.constantFrom(...CALLING_CODES), fc.constantFrom('', '(0) ', '0', '(0) 0', '0 0'), fc.array(fc.constantFrom(...'0123456789'), { minLength: 4, maxLength: 13 }))
  .chain(([code, trunk, digits]) => written(digits.join('')).map((national) => ({ code, raw: `+${code} ${trunk}${national}` })));

describe('normalizePhoneNumber properties', () => {
  it('is idempotent: the stored form normalises to itself', () => {
    fc.assert(
      fc.property(typedPhone, ({ raw }) => {
        const once = normalizePhoneNumber(raw);
        return once === null || normalizePhoneNumber(once) === once;
      }),
      { numRuns: 5000 },
    );
  });

  it('ignores how the stored number is written: the same digits in any groups are the same number', () => {
    const stored = typedPhone.map(({ code, raw }) => ({ code, e164: normalizePhoneNumber(raw) })).filter((p): p is { code: string; e164: string } => p.e164 !== null);
    const rewritten = stored.chain(({ code, e164 }) => written(e164.slice(1 + code.length)).map((national) => ({ e164, raw: `+${code} ${national}` })));
    fc.assert(fc.property(rewritten, ({ e164, raw }) => normalizePhoneNumber(raw) === e164), { numRuns: 2000 });
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

  it('finds users whose numbers differ only by trunk prefixes, and addresses that differ only by quoting, width or case folding', () => {
    const { normalized, collisions } = normalizeStoredIdentities([
      { id: 'user-1', projectId: P1, email: 'grace@example.com', phoneNumber: '+49 30 1234567' },
      { id: 'user-2', projectId: P1, email: '"gr\\ace"@example.com', phoneNumber: '+49 (0) 030 1234567' },
      { id: 'user-3', projectId: P1, email: 'ſtefan@example.com', phoneNumber: '+490301234567' },
      { id: 'user-4', projectId: P1, email: 'ＳＴＥＦＡＮ@example.com', phoneNumber: null },
    ]);
    expect(normalized.map((row) => [row.email, row.phoneNumber])).toEqual([
      ['grace@example.com', '+49301234567'],
      ['grace@example.com', '+49301234567'],
      ['stefan@example.com', '+49301234567'],
      ['stefan@example.com', null],
    ]);
    expect(collisions).toEqual([
      { projectId: P1, field: 'email', value: 'grace@example.com', userIds: ['user-1', 'user-2'] },
      { projectId: P1, field: 'email', value: 'stefan@example.com', userIds: ['user-3', 'user-4'] },
      { projectId: P1, field: 'phone_number', value: '+49301234567', userIds: ['user-1', 'user-2', 'user-3'] },
    ]);
  });
});
