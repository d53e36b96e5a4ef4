import { InvalidEventPatternError, matchesPattern } from '../../../../local/emulators/eventbridge';
import { validatePattern } from '../../../../local/emulators/eventbridge/pattern';

function anEvent(
  detail: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'payment.succeeded',
    source: 'relayflow.stripe',
    account: '000000000000',
    time: '2026-11-22T10:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:event-bus/default'],
    detail,
    ...overrides,
  };
}

// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
describe('EventBridge event patterns: structure', () => {
  it('matches when every listed field matches one of its values', () => {
    const pattern = {
      source: ['relayflow.stripe', 'relayflow.github'],
      'detail-type': ['payment.succeeded'],
    };

    expect(matchesPattern(pattern, anEvent({}))).toBe(true);
  });

  it('does not match when one listed field has none of its values', () => {
    const pattern = { source: ['relayflow.stripe'], 'detail-type': ['payment.failed'] };

    expect(matchesPattern(pattern, anEvent({}))).toBe(false);
  });

  it('matches nested detail fields', () => {
    const pattern = { detail: { entity: { kind: ['customer'] } } };

    expect(matchesPattern(pattern, anEvent({ entity: { kind: 'customer', id: 'cus_1' } }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ entity: { kind: 'order', id: 'o_1' } }))).toBe(false);
  });

  it('does not match when a listed field is missing', () => {
    expect(matchesPattern({ detail: { tenant: ['acme'] } }, anEvent({}))).toBe(false);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
  it('matches an event array when any of its elements matches', () => {
    const pattern = { resources: ['arn:aws:events:us-east-1:000000000000:event-bus/default'] };

    expect(
      matchesPattern(
        pattern,
        anEvent({}, { resources: ['arn:x', 'arn:aws:events:us-east-1:000000000000:event-bus/default'] }),
      ),
    ).toBe(true);
    expect(matchesPattern(pattern, anEvent({}, { resources: ['arn:x'] }))).toBe(false);
  });

  it('matches objects inside an event array field by field', () => {
    const pattern = { detail: { items: { sku: ['B'] } } };

    expect(matchesPattern(pattern, anEvent({ items: [{ sku: 'A' }, { sku: 'B' }] }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ items: [{ sku: 'A' }] }))).toBe(false);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
  it('tells null apart from the empty string', () => {
    const event = anEvent({ eventVersion: '', responseElements: null });

    expect(matchesPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [''] } }, event)).toBe(false);
  });

  it('matches numbers and booleans exactly', () => {
    const event = anEvent({ amount: 2000, livemode: false });

    expect(matchesPattern({ detail: { amount: [2000], livemode: [false] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { amount: ['2000'] } }, event)).toBe(false);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-complex-example-or
  it('matches when any alternative of $or matches', () => {
    const pattern = { detail: { $or: [{ amount: [{ numeric: ['>', 1000] }] }, { priority: ['high'] }] } };

    expect(matchesPattern(pattern, anEvent({ amount: 5000 }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ amount: 5, priority: 'high' }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ amount: 5, priority: 'low' }))).toBe(false);
  });
});

// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
describe('EventBridge event patterns: comparison operators', () => {
  it('matches a string prefix', () => {
    expect(matchesPattern({ time: [{ prefix: '2026-11-22' }] }, anEvent({}))).toBe(true);
    expect(matchesPattern({ time: [{ prefix: '2025' }] }, anEvent({}))).toBe(false);
  });

  it('matches a prefix ignoring case', () => {
    expect(
      matchesPattern({ source: [{ prefix: { 'equals-ignore-case': 'RELAYFLOW.' } }] }, anEvent({})),
    ).toBe(true);
  });

  it('matches a string suffix', () => {
    expect(matchesPattern({ detail: { file: [{ suffix: '.png' }] } }, anEvent({ file: 'a.png' }))).toBe(true);
    expect(matchesPattern({ detail: { file: [{ suffix: '.png' }] } }, anEvent({ file: 'a.PNG' }))).toBe(
      false,
    );
    expect(
      matchesPattern(
        { detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
        anEvent({ file: 'a.PNG' }),
      ),
    ).toBe(true);
  });

  it('does not apply prefix matching to numbers', () => {
    expect(matchesPattern({ detail: { code: [{ prefix: '4' }] } }, anEvent({ code: 404 }))).toBe(false);
  });

  it('matches equals-ignore-case', () => {
    expect(
      matchesPattern(
        { detail: { state: [{ 'equals-ignore-case': 'ACTIVE' }] } },
        anEvent({ state: 'active' }),
      ),
    ).toBe(true);
  });

  it('matches anything but one value', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

    expect(matchesPattern(pattern, anEvent({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ state: 'initializing' }))).toBe(false);
  });

  it('matches anything but a list of values', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };

    expect(matchesPattern(pattern, anEvent({ 'x-limit': 150 }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ 'x-limit': 200 }))).toBe(false);
  });

  it('matches anything but a prefix, a suffix, a case-insensitive value or a wildcard', () => {
    const event = anEvent({ region: 'eu-west-1', file: 'x.png', state: 'Initializing', path: '/usr/lib/a' });

    expect(matchesPattern({ detail: { region: [{ 'anything-but': { prefix: 'us-' } }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { file: [{ 'anything-but': { suffix: '.png' } }] } }, event)).toBe(false);
    expect(
      matchesPattern(
        { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
        event,
      ),
    ).toBe(false);
    expect(matchesPattern({ detail: { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, event)).toBe(
      false,
    );
  });

  it('does not match anything-but against a missing field', () => {
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, anEvent({}))).toBe(
      false,
    );
  });

  it('matches numeric ranges', () => {
    const pattern = { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } };

    expect(matchesPattern(pattern, anEvent({ 'c-count': 5 }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ 'c-count': 0 }))).toBe(false);
    expect(matchesPattern(pattern, anEvent({ 'c-count': '3' }))).toBe(false);
  });

  it('matches numeric equality', () => {
    expect(matchesPattern({ detail: { n: [{ numeric: ['=', 3.0] }] } }, anEvent({ n: 3 }))).toBe(true);
  });

  it('matches a field that exists', () => {
    const pattern = { detail: { 'c-count': [{ exists: true }] } };

    expect(matchesPattern(pattern, anEvent({ 'c-count': 0 }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({}))).toBe(false);
  });

  it('matches a field that does not exist, even under a missing parent', () => {
    const pattern = { detail: { 'c-count': [{ exists: false }] } };

    expect(matchesPattern(pattern, anEvent({}))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ 'c-count': 1 }))).toBe(false);
    expect(matchesPattern(pattern, { source: 'x' })).toBe(true);
  });

  it('applies exists only to leaf nodes', () => {
    expect(matchesPattern({ detail: { entity: [{ exists: true }] } }, anEvent({ entity: { id: '1' } }))).toBe(
      false,
    );
  });

  it('matches wildcards, with a backslash escaping a literal asterisk', () => {
    expect(
      matchesPattern({ detail: { key: [{ wildcard: 'dir/*.png' }] } }, anEvent({ key: 'dir/sub/a.png' })),
    ).toBe(true);
    expect(matchesPattern({ detail: { key: [{ wildcard: 'a\\*b' }] } }, anEvent({ key: 'a*b' }))).toBe(true);
    expect(matchesPattern({ detail: { key: [{ wildcard: 'a\\*b' }] } }, anEvent({ key: 'axb' }))).toBe(false);
  });

  it('matches an IPv4 address inside a CIDR block', () => {
    const pattern = { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } };

    expect(matchesPattern(pattern, anEvent({ 'source-ip': '10.0.0.255' }))).toBe(true);
    expect(matchesPattern(pattern, anEvent({ 'source-ip': '10.0.1.0' }))).toBe(false);
  });
});

// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html (InvalidEventPatternException)
describe('EventBridge event patterns: validation', () => {
  it('rejects an unknown operator', () => {
    expect(() => validatePattern({ detail: { a: [{ 'starts-with': 'x' }] } })).toThrow(
      InvalidEventPatternError,
    );
  });

  it('rejects a leaf that is neither an array nor an object', () => {
    expect(() => validatePattern({ source: 'relayflow.stripe' })).toThrow(InvalidEventPatternError);
  });

  it('rejects a malformed numeric range', () => {
    expect(() => validatePattern({ detail: { a: [{ numeric: ['>', 'x'] }] } })).toThrow(
      InvalidEventPatternError,
    );
  });
});
