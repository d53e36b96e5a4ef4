import fc from 'fast-check';
import {
  describeFilter,
  evaluateFilter,
  filterProblems,
  FilterSchema,
  valueAt,
  type Filter,
} from '#shared/routing/filters';

const event = {
  tenant: 'acme',
  provider: 'stripe',
  type: 'payment.succeeded',
  entity: { kind: 'customer', id: 'cus_1' },
  data: { amount: 1200, currency: 'eur', note: null, lines: [{ sku: 'A-1' }], count: '10' },
};
const holds = (filter: Filter) => evaluateFilter(filter, event).matched;

describe('filter evaluator', () => {
  it.each<[string, Filter, boolean]>([
    ['equals on a top-level field', { path: 'tenant', equals: 'acme' }, true],
    ['equals on another value', { path: 'tenant', equals: 'beta' }, false],
    ['equals null on a null field', { path: 'data.note', equals: null }, true],
    ['in a list holding the value', { path: 'data.currency', in: ['usd', 'eur'] }, true],
    ['in a list without it', { path: 'data.currency', in: ['usd'] }, false],
    ['exists on a present field', { path: 'entity.kind', exists: true }, true],
    ['exists on a null field (null is a value)', { path: 'data.note', exists: true }, true],
    ['exists false on a missing field', { path: 'data.missing', exists: false }, true],
    ['prefix of a string', { path: 'data.lines.0.sku', prefix: 'A-' }, true],
    ['prefix of a number', { path: 'data.amount', prefix: '12' }, false],
    ['> below', { path: 'data.amount', '>': 1000 }, true],
    ['> equal', { path: 'data.amount', '>': 1200 }, false],
    ['>= equal', { path: 'data.amount', '>=': 1200 }, true],
    ['< above', { path: 'data.amount', '<': 1200 }, false],
    ['<= equal', { path: 'data.amount', '<=': 1200 }, true],
    ['a comparison with a numeric string', { path: 'data.count', '>': 9 }, false],
    ['a comparison on a missing path', { path: 'data.nothing.deeper', '<': 1 }, false],
    ['equals on a missing path', { path: 'data.nothing', equals: null }, false],
    [
      'and of two that hold',
      {
        and: [
          { path: 'tenant', equals: 'acme' },
          { path: 'data.amount', '>': 1 },
        ],
      },
      true,
    ],
    [
      'and with one failing',
      {
        and: [
          { path: 'tenant', equals: 'acme' },
          { path: 'data.amount', '>': 5000 },
        ],
      },
      false,
    ],
    [
      'or with one holding',
      {
        or: [
          { path: 'tenant', equals: 'x' },
          { path: 'provider', equals: 'stripe' },
        ],
      },
      true,
    ],
    [
      'or of none',
      {
        or: [
          { path: 'tenant', equals: 'x' },
          { path: 'provider', equals: 'y' },
        ],
      },
      false,
    ],
    ['not of a failing one', { not: { path: 'data.currency', equals: 'usd' } }, true],
    [
      'nesting',
      {
        and: [{ or: [{ path: 'data.currency', equals: 'usd' }, { not: { path: 'data.amount', '<': 100 } }] }],
      },
      true,
    ],
  ])('%s', (_name, filter, expected) => {
    expect(holds(filter)).toBe(expected);
  });

  it('says which condition failed and what the field held', () => {
    expect(evaluateFilter({ path: 'data.amount', '>=': 5000 }, event)).toEqual({
      matched: false,
      why: 'data.amount >= 5000 does not hold (data.amount is 1200)',
    });
    expect(evaluateFilter({ path: 'data.plan', equals: 'pro' }, event)).toEqual({
      matched: false,
      why: 'data.plan equals "pro" does not hold (data.plan is missing)',
    });
  });

  it('reads own fields only, never the prototype chain', () => {
    expect(valueAt(event, 'data.constructor')).toBeUndefined();
    expect(valueAt(event, 'data.__proto__')).toBeUndefined();
  });

  it('makes not the complement of its filter for any scalar at the path', () => {
    const scalar = fc.oneof(fc.string(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
    const condition = fc.oneof(
      scalar.map((value): Filter => ({ path: 'data.x', equals: value })),
      fc.array(scalar, { minLength: 1 }).map((values): Filter => ({ path: 'data.x', in: values })),
      fc.boolean().map((value): Filter => ({ path: 'data.x', exists: value })),
      fc.string({ minLength: 1 }).map((value): Filter => ({ path: 'data.x', prefix: value })),
      fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .map((value): Filter => ({ path: 'data.x', '>': value })),
    );
    fc.assert(
      fc.property(condition, fc.option(scalar, { nil: undefined }), (filter, value) => {
        const subject = { data: value === undefined ? {} : { x: value } };
        expect(evaluateFilter({ not: filter }, subject).matched).toBe(
          !evaluateFilter(filter, subject).matched,
        );
        expect(filterProblems(filter)).toEqual([]);
      }),
    );
  });

  it('describes a filter as configured', () => {
    expect(
      describeFilter({
        and: [{ path: 'tenant', equals: 'acme' }, { not: { path: 'data.amount', '<': 10 } }],
      }),
    ).toBe('(tenant equals "acme" and not (data.amount < 10))');
  });
});

describe('filter checks', () => {
  it('lists every bad path and operator at its place', () => {
    expect(
      filterProblems({
        and: [
          { path: 'dat.amount', equals: 1 },
          { path: 'data.amount', above: 1 },
          {
            or: [
              { path: 'entity.name', exists: true },
              { path: 'tenant', in: [] },
            ],
          },
          { path: 'data.amount', '>': '10' },
          { path: 'data.amount', equals: 1, prefix: 'x' },
          { path: 'tenant.id', equals: 'a' },
          { not: 'nothing' },
        ],
      }),
    ).toEqual([
      { path: ['and', 0, 'path'], message: expect.stringContaining('"dat" is not a field of the event') },
      { path: ['and', 1, 'above'], message: expect.stringContaining('unknown operator "above"') },
      {
        path: ['and', 2, 'or', 0, 'path'],
        message: '"entity.name": the entity has entity.kind and entity.id',
      },
      { path: ['and', 2, 'or', 1, 'in'], message: expect.stringContaining('non-empty list') },
      { path: ['and', 3, '>'], message: 'must be a finite number' },
      { path: ['and', 4], message: 'has equals, prefix: one operator per condition, combine them with and' },
      {
        path: ['and', 5, 'path'],
        message: '"tenant" holds a single value: "tenant.id" reaches into nothing',
      },
      { path: ['and', 6, 'not'], message: expect.stringContaining('must be an object') },
    ]);
  });

  it('refuses a combinator beside other keys, and an empty list', () => {
    expect(filterProblems({ and: [], path: 'tenant' })).toEqual([
      { path: [], message: '"and" stands alone: move path into it' },
    ]);
    expect(filterProblems({ or: [] })).toEqual([
      { path: ['or'], message: 'must be a non-empty list of filters' },
    ]);
  });

  it('reports the problems through its schema with their paths', () => {
    const parsed = FilterSchema.safeParse({ or: [{ path: 'data', equals: 1 }] });

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [['or', 0, 'path'], '"data" is the whole payload: name a field in it (data.<field>)'],
    ]);
  });
});
