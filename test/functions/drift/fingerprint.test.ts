import {
  compare,
  describeDrift,
  fingerprintOf,
  MAX_FINGERPRINT_DEPTH,
  MAX_FINGERPRINT_PATHS,
  merge,
} from '#shared/drift/fingerprint';

describe('fingerprintOf', () => {
  it('lists every key path with its JSON type, array elements under []', () => {
    expect(
      fingerprintOf({ id: 'evt_1', amount: 100, paid: true, note: null, lines: [{ sku: 'a' }, { sku: 1 }] }),
    ).toEqual({
      $: ['object'],
      '$.amount': ['number'],
      '$.id': ['string'],
      '$.lines': ['array'],
      '$.lines[]': ['object'],
      '$.lines[].sku': ['number', 'string'],
      '$.note': ['null'],
      '$.paid': ['boolean'],
    });
  });

  it('collapses generated keys and the keys of wide maps to *, so values never become paths', () => {
    const wide = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));

    const fingerprint = fingerprintOf({
      byId: { '12345': { name: 'x' }, cus_8f3kZp29QxLm: { name: 'y' } },
      wide,
    });

    expect(Object.keys(fingerprint)).toEqual([
      '$',
      '$.byId',
      '$.byId.*',
      '$.byId.*.name',
      '$.wide',
      '$.wide.*',
    ]);
  });

  it('stops at the depth limit and survives 10,000 levels of nesting without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i += 1) deep = { a: deep };

    const fingerprint = fingerprintOf(deep);

    expect(Object.keys(fingerprint)).toHaveLength(MAX_FINGERPRINT_DEPTH + 1);
  });

  it('keeps at most the path limit', () => {
    const wideRecords = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [
        `field${String.fromCharCode(97 + (i % 26))}${i}`,
        Object.fromEntries(Array.from({ length: 20 }, (__, j) => [`p${String.fromCharCode(97 + j)}`, j])),
      ]),
    );

    expect(Object.keys(fingerprintOf(wideRecords)).length).toBe(MAX_FINGERPRINT_PATHS);
  });

  it('treats __proto__ and constructor keys as plain paths', () => {
    const fingerprint = fingerprintOf(
      JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{}}}'),
    );

    expect(Object.keys(fingerprint)).toEqual([
      '$',
      '$.__proto__',
      '$.__proto__.polluted',
      '$.constructor',
      '$.constructor.prototype',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('compare and merge', () => {
  const base = merge(
    undefined,
    fingerprintOf({ id: 'a', amount: 1, customer: { email: 'x' }, lines: [{ sku: 's' }] }),
  );

  it('finds nothing for an event of the known shape', () => {
    expect(compare(base, fingerprintOf({ id: 'b', amount: 2, customer: { email: 'y' }, lines: [] }))).toEqual(
      { added: [], missing: [], retyped: [] },
    );
  });

  it('names a new field, a missing required field and a retyped field', () => {
    const drift = compare(base, fingerprintOf({ id: 'b', amount: '2.00', lines: [{ sku: 's', qty: 1 }] }));

    expect(drift).toEqual({
      added: ['$.lines[].qty'],
      missing: ['$.customer', '$.customer.email'],
      retyped: [{ path: '$.amount', was: ['number'], now: ['string'] }],
    });
    expect(describeDrift(drift)).toBe(
      'new: $.lines[].qty; missing: $.customer, $.customer.email; retyped: $.amount (number → string)',
    );
  });

  it('does not call a field that becomes null retyped', () => {
    expect(
      compare(base, fingerprintOf({ id: 'b', amount: null, customer: { email: 'y' }, lines: [] })).retyped,
    ).toEqual([]);
  });

  it('never requires paths inside arrays, which empty lists drop', () => {
    expect(base.required).not.toContain('$.lines[].sku');
  });

  it('learns: a merged shape accepts both events and requires only what both had', () => {
    const merged = merge(base, fingerprintOf({ id: 'b', amount: 'x', lines: [] }));

    expect(merged.paths['$.amount']).toEqual(['number', 'string']);
    expect(merged.required).toEqual(['$', '$.amount', '$.id', '$.lines']);
  });
});
