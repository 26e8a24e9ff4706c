// Rate-limit rules: which budgets each kind of caller draws from, and one unit per root field that will execute.
import { parse, type OperationDefinitionNode } from 'graphql';
import { gatewaySchema } from '../../src/schema';
import { budgetsOf, rootFieldUnits } from '../../src/ratelimit/rate-limit.rules';

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
