import {
  matchResult,
  Router,
  RoutesSchema,
  resolveRoutes,
  targetIdOf,
  targetProblems,
} from '#shared/routing/routes';

const routerOf = (routes: unknown[]) =>
  new Router(resolveRoutes(RoutesSchema.parse(routes), new Set(['w'])).routes);
const target = [{ kind: 'workflow', name: 'w' }];
const event = (type: string, provider = 'stripe', tenant = 'default') => ({ type, provider, tenant });

describe('Router', () => {
  it('lets the first matching route win', () => {
    const router = routerOf([
      { match: { type: 'payment.succeeded' }, targets: target },
      { match: { type: 'payment.*' }, targets: target },
    ]);

    expect(router.match(event('payment.succeeded'))?.index).toBe(0);
    expect(router.match(event('payment.failed'))?.index).toBe(1);
  });

  it('matches globs on the whole type, with * spanning dots', () => {
    const router = routerOf([{ match: { type: 'payment.*' }, targets: target }]);

    expect(router.match(event('payment.refund.created'))).toBeDefined();
    expect(router.match(event('paymentx'))).toBeUndefined();
    expect(router.match(event('xpayment.succeeded'))).toBeUndefined();
  });

  it('treats dots and dashes in a pattern literally', () => {
    const router = routerOf([{ match: { type: 'a-b.c' }, targets: target }]);

    expect(router.match(event('a-b.c'))).toBeDefined();
    expect(router.match(event('a-bxc'))).toBeUndefined();
  });

  it('narrows by tenant and provider when the match names them', () => {
    const router = routerOf([
      { match: { tenant: 'acme', provider: 'github', type: '*' }, targets: target },
      { match: { type: '*' }, targets: target },
    ]);

    expect(router.match(event('issue.opened', 'github', 'acme'))?.index).toBe(0);
    expect(router.match(event('issue.opened', 'github', 'beta'))?.index).toBe(1);
    expect(router.match(event('issue.opened', 'gitlab', 'acme'))?.index).toBe(1);
  });

  it('returns nothing when no route matches', () => {
    expect(
      routerOf([{ match: { type: 'email.*' }, targets: target }]).match(event('payment.succeeded')),
    ).toBeUndefined();
  });

  it('defaults onStale to apply and fills target defaults', () => {
    const [route] = resolveRoutes(
      RoutesSchema.parse([
        { match: { type: '*' }, targets: [{ kind: 'http', url: 'https://x.example.com/a' }] },
      ]),
      new Set(),
    ).routes;

    expect(route?.onStale).toBe('apply');
    expect(route?.targets[0]).toMatchObject({
      timeoutMs: 5000,
      rateLimitPerSecond: 50,
      circuitBreakerThreshold: 5,
    });
  });
});

describe('target ids', () => {
  it('keeps a configured id and derives a stable, bounded one otherwise', () => {
    const http = {
      kind: 'http' as const,
      url: 'https://hooks.example.com/a',
      timeoutMs: 1,
      rateLimitPerSecond: 1,
      circuitBreakerThreshold: 1,
      circuitHalfOpenAfterMs: 1,
    };

    expect(targetIdOf({ ...http, id: 'ledger' })).toBe('ledger');
    expect(targetIdOf(http)).toBe(targetIdOf({ ...http }));
    expect(targetIdOf(http)).not.toBe(targetIdOf({ ...http, url: 'https://hooks.example.com/b' }));
    expect(
      targetIdOf({ kind: 'eventbridge', eventBusName: 'arn:aws:events:eu-west-1:1:event-bus/payments' }),
    ).toMatch(/^eventbridge:payments:[0-9a-f]{8}$/);
    expect(targetIdOf({ kind: 'workflow', name: 'w' })).toBe('workflow:w');
  });

  it('reports duplicate target ids and unknown workflows per route, naming the target', () => {
    const { problems } = resolveRoutes(
      RoutesSchema.parse([
        {
          match: { type: '*' },
          targets: [
            { kind: 'workflow', name: 'w' },
            { kind: 'workflow', name: 'w' },
          ],
        },
        { match: { type: '*' }, targets: [{ kind: 'workflow', name: 'nope' }] },
      ]),
      new Set(['w']),
    );

    expect(problems).toEqual([
      { route: 0, path: ['targets', 1], message: expect.stringContaining('workflow:w') },
      { route: 1, path: ['targets', 0, 'name'], message: expect.stringContaining('"nope" does not exist') },
    ]);
  });

  it('keeps the positions of targets that failed their own schema, skipping them', () => {
    const [valid] = RoutesSchema.parse([
      { match: { type: '*' }, targets: [{ kind: 'workflow', id: 'x', name: 'nope' }] },
    ]);
    const target = valid?.targets[0];

    expect(targetProblems([undefined, target, target], new Set(['w']))).toEqual([
      { path: ['targets', 1, 'name'], message: expect.stringContaining('"nope" does not exist') },
      { path: ['targets', 2, 'id'], message: expect.stringContaining('share the id "x"') },
      { path: ['targets', 2, 'name'], message: expect.stringContaining('"nope" does not exist') },
    ]);
  });
});

describe('Router with filters', () => {
  const paying = (type: string, amount: number) => ({ ...event(type), data: { amount } });
  const routes = [
    { match: { type: 'payment.*', filter: { path: 'data.amount', '>=': 1000 } }, targets: target },
    { match: { type: 'payment.*' }, targets: target },
  ];

  it('skips a route whose filter does not hold and takes the next', () => {
    const router = routerOf(routes);

    expect(router.match(paying('payment.succeeded', 5000))?.index).toBe(0);
    expect(router.match(paying('payment.succeeded', 5))?.index).toBe(1);
  });

  it('says why a route does not match, part by part', () => {
    const [filtered] = resolveRoutes(RoutesSchema.parse(routes), new Set(['w'])).routes;
    const match = filtered?.match ?? { type: '' };

    expect(matchResult(match, event('refund.created'))).toEqual({
      matched: false,
      why: 'type refund.created does not match payment.*',
    });
    expect(matchResult(match, paying('payment.failed', 5))).toEqual({
      matched: false,
      why: 'data.amount >= 1000 does not hold (data.amount is 5)',
    });
  });

  it('keeps retry policies on the route and its targets', () => {
    const [route] = resolveRoutes(
      RoutesSchema.parse([
        {
          match: { type: '*' },
          retry: { maxAttempts: 2 },
          targets: [{ kind: 'workflow', name: 'w', retry: { retryOn: ['http-5xx'] } }],
        },
      ]),
      new Set(['w']),
    ).routes;

    expect(route?.retry).toEqual({ maxAttempts: 2 });
    expect(route?.targets[0]?.retry).toEqual({ retryOn: ['http-5xx'] });
  });
});
