import { routeCycles, type GraphRoute } from '#shared/routing/route-graph';

/** Workflows by what they emit: `echo` emits what routes send back to it. */
const EMITS: Readonly<Record<string, readonly string[]>> = {
  dunning: ['dunning.reminder_requested', 'dunning.restored'],
  notify: ['notice.sent'],
  echo: ['invoice.paid'],
  quiet: [],
};
const emitsOf = (name: string) => EMITS[name];
const workflow = (name: string, mode?: 'dry-run') => ({ kind: 'workflow', name, ...(mode ? { mode } : {}) });

describe('route graph cycles', () => {
  it('finds no loop when what workflows emit goes to other kinds of target', () => {
    const routes: GraphRoute[] = [
      { match: { provider: 'stripe', type: 'invoice.*' }, targets: [workflow('dunning')] },
      { match: { type: 'dunning.*' }, targets: [{ kind: 'http' }, workflow('quiet')] },
    ];

    expect(routeCycles(routes, ['default'], emitsOf)).toEqual([]);
  });

  it('names a loop through two workflows, from its first type back to it', () => {
    const routes: GraphRoute[] = [
      { match: { type: 'invoice.*' }, targets: [workflow('dunning')] },
      { match: { type: 'notice.*' }, targets: [workflow('echo')] },
      { match: { type: 'dunning.restored' }, targets: [workflow('notify')] },
    ];

    expect(routeCycles(routes, ['default'], emitsOf)).toEqual([
      {
        route: 0,
        path: 'dunning.restored → route[2] → workflow notify → notice.sent → route[1] → workflow echo → invoice.paid → route[0] → workflow dunning → dunning.restored',
        tenants: ['default'],
      },
    ]);
  });

  it('follows the first matching route only, as the consumer does', () => {
    const routes: GraphRoute[] = [
      { match: { type: 'dunning.*' }, targets: [{ kind: 'eventbridge' }] },
      { match: { type: '*' }, targets: [workflow('dunning')] },
    ];

    expect(routeCycles(routes, ['default'], emitsOf)).toEqual([]);
  });

  it('ignores routes whose provider is not the one domain events come from', () => {
    const routes: GraphRoute[] = [
      { match: { provider: 'stripe', type: '*' }, targets: [workflow('dunning')] },
    ];

    expect(routeCycles(routes, ['default'], emitsOf)).toEqual([]);
  });

  it('lets a dry-run route or target break a loop: it runs no step, so it emits nothing', () => {
    const loop = (route: GraphRoute): GraphRoute[] => [route];

    expect(
      routeCycles(
        loop({ match: { type: 'dunning.*' }, mode: 'dry-run', targets: [workflow('dunning')] }),
        ['default'],
        emitsOf,
      ),
    ).toEqual([]);
    expect(
      routeCycles(
        loop({ match: { type: 'dunning.*' }, targets: [workflow('dunning', 'dry-run')] }),
        ['default'],
        emitsOf,
      ),
    ).toEqual([]);
  });

  it('says which tenants loop when a tenant route takes their events elsewhere', () => {
    const routes: GraphRoute[] = [
      { match: { tenant: 'acme', type: 'notice.*' }, targets: [{ kind: 'http' }] },
      { match: { type: 'notice.*' }, targets: [workflow('notify')] },
    ];

    expect(routeCycles(routes, ['default', 'acme', 'globex'], emitsOf)).toEqual([
      {
        route: 1,
        path: 'notice.sent → route[1] → workflow notify → notice.sent',
        tenants: ['default', 'globex'],
      },
    ]);
  });
});

describe('route graph cycles through filtered routes', () => {
  it('takes a filtered route as possibly matching, and the next route as possibly taking the event too', () => {
    const routes: GraphRoute[] = [
      {
        match: { type: 'dunning.*', filter: { path: 'data.amount', '>': 100 } },
        targets: [{ kind: 'eventbridge' }],
      },
      { match: { type: '*' }, targets: [workflow('dunning')] },
    ];

    // Without the filter, route 0 would take every dunning event and close no loop.
    const cycles = routeCycles(routes, ['default'], emitsOf);
    expect(cycles.length).toBeGreaterThan(0);
    expect(cycles).toContainEqual({
      route: 1,
      path: 'dunning.restored → route[1] → workflow dunning → dunning.restored',
      tenants: ['default'],
    });
  });

  it('finds a loop through a filtered route itself', () => {
    const routes: GraphRoute[] = [
      {
        match: { type: 'invoice.*', filter: { path: 'data.amount', '>': 100 } },
        targets: [workflow('dunning')],
      },
      { match: { type: 'dunning.*' }, targets: [workflow('echo')] },
    ];

    const cycles = routeCycles(routes, ['default'], emitsOf);
    expect(cycles.length).toBeGreaterThan(0);
    expect(cycles.every((c) => c.route === 0 && c.path.includes('route[0] → workflow dunning'))).toBe(true);
  });
});
