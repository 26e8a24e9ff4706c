// Rate-limit rules: which budgets each kind of caller draws from (one per client address however it is spelled, an IPv6 client per /64), and one unit per root field that will execute.
import { parse, type OperationDefinitionNode } from 'graphql';
import { gatewaySchema } from '../../src/schema';
import { addressBudgetKey, budgetsOf, rootFieldUnits } from '../../src/ratelimit/rate-limit.rules';

const config = { requestsPerMinute: 100, sessionRequestsPerMinute: 10, ipRequestsPerMinute: 30 };

describe('rate-limit budgets', () => {
  it('charges a backend its project budget only, whatever its address', () => {
    expect(budgetsOf(config, { projectId: 'p1', clientIp: '203.0.113.1' })).toEqual([{ bucket: 'project:p1', limit: 100 }]);
  });

  it('charges a session caller its session and its project-and-address budgets, never the backend one', () => {
    expect(budgetsOf(config, { projectId: 'p1', sessionId: 's1', clientIp: '203.0.113.1' })).toEqual([
      { bucket: 'ip:p1:203.0.113.1', limit: 30 },
      { bucket: 'session:s1', limit: 10 },
    ]);
  });

  it('leaves out budgets that are off', () => {
    const off = { requestsPerMinute: 0, sessionRequestsPerMinute: 0, ipRequestsPerMinute: 0 };
    expect(budgetsOf(off, { projectId: 'p1' })).toEqual([]);
    expect(budgetsOf(off, { projectId: 'p1', sessionId: 's1', clientIp: '::1' })).toEqual([]);
  });
});

describe('rate-limit address budgets', () => {
  const ipBucket = (clientIp?: string, peerIp?: string) =>
    budgetsOf(config, { projectId: 'p1', sessionId: 's1', clientIp, peerIp }).find((b) => b.bucket.startsWith('ip:'))!.bucket;

  it('gives one budget to every spelling of an IPv6 address, and to its whole /64', () => {
    const spellings = ['2001:db8::1', '2001:db8:0:0::1', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::0:1', '2001:db8::1%eth0'];
    for (const address of spellings) expect(addressBudgetKey(address)).toBe('2001:db8:0:0::/64');
    expect(addressBudgetKey('2001:db8::ffff:abcd:1234:5678')).toBe('2001:db8:0:0::/64');
    expect(addressBudgetKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(addressBudgetKey('::1')).toBe('0:0:0:0::/64');
    expect(addressBudgetKey('::')).toBe('0:0:0:0::/64');
    expect(addressBudgetKey('fe80::1:2:3:4')).toBe('fe80:0:0:0::/64');
    expect(new Set(spellings.map((a) => ipBucket(a)))).toEqual(new Set(['ip:p1:2001:db8:0:0::/64']));
  });

  it('charges an IPv4-mapped IPv6 address to its IPv4 address, in any spelling', () => {
    for (const address of ['::ffff:1.1.1.1', '::FFFF:1.1.1.1', '0:0:0:0:0:ffff:101:101', '::ffff:0101:0101', '0::ffff:1.1.1.1']) {
      expect(addressBudgetKey(address)).toBe('1.1.1.1');
    }
    expect(addressBudgetKey('1.1.1.1')).toBe('1.1.1.1');
    expect(addressBudgetKey('::ffff:203.0.113.255')).toBe('203.0.113.255');
    expect(ipBucket('::ffff:1.1.1.1')).toBe(ipBucket('1.1.1.1'));
  });

  it('ignores what is not an IP address and charges the TCP peer instead, or one shared budget', () => {
    for (const junk of ['garbage', '', ' 1.1.1.1', '1.1.1.1:443', '[::1]', '01.1.1.1', '1.1.1', '2001:db8::1::2', 'unknown']) {
      expect(addressBudgetKey(junk)).toBeNull();
      expect(ipBucket(junk, '10.0.0.7')).toBe('ip:p1:10.0.0.7');
    }
    expect(addressBudgetKey(undefined)).toBeNull();
    expect(ipBucket(undefined, '::ffff:10.0.0.7')).toBe('ip:p1:10.0.0.7');
    expect(ipBucket('garbage', 'also garbage')).toBe('ip:p1:unknown');
    expect(ipBucket('other garbage')).toBe(ipBucket('garbage'));
  });
});

describe('rate-limit units', () => {
  const schema = gatewaySchema();
  const units = (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
    return rootFieldUnits(schema, document, operation, variables);
  };

  it('counts each alias and each name once, through fragments', () => {
    expect(units('{ __typename }')).toBe(1);
    expect(units('{ a: __typename b: __typename __typename }')).toBe(3);
    expect(units('{ a: __typename a: __typename }')).toBe(1);
    expect(units('{ ...F ... on Query { c: __typename } } fragment F on Query { a: __typename b: __typename }')).toBe(3);
    const aliases = Array.from({ length: 50 }, (_, i) => `u${i}: createUser(input: { email: "u${i}@example.com" }) { userId }`).join(' ');
    expect(units(`mutation { ${aliases} }`)).toBe(50);
  });

  it('applies @skip and @include with the variables; counts everything when they do not coerce', () => {
    const query = 'query($s: Boolean!) { a: __typename @skip(if: $s) b: __typename @include(if: false) c: __typename }';
    expect(units(query, { s: true })).toBe(1);
    expect(units(query, { s: false })).toBe(2);
    expect(units(query, { s: 'no' })).toBe(3);
  });

  it('charges at least one unit', () => {
    expect(units('{ a: __typename @skip(if: true) }')).toBe(1);
  });
});
