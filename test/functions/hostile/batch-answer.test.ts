import { aSignedRequest, anEvent, buildTargets, resetMocks, TENANT } from '../../helpers/hostile';

const targets = buildTargets();
const sendgrid = targets.find((target) => target.id === 'sendgrid');

beforeEach(() => resetMocks(targets));

const batchOf = (count: number) => {
  const [element] = JSON.parse(sendgrid?.sample.body.toString('utf8') ?? '[]') as Record<string, unknown>[];
  return Buffer.from(
    JSON.stringify(
      Array.from({ length: count }, (_, i) => ({ ...element, sg_event_id: `sg-answer-${count}-${i}` })),
    ),
  );
};

const answerTo = async (count: number) => {
  if (!sendgrid) throw new Error('no sendgrid target');
  const response = (await sendgrid.handler(
    anEvent(aSignedRequest(sendgrid, batchOf(count)), { tenant: TENANT }),
  )) as { statusCode: number; body: string };
  return {
    status: response.statusCode,
    body: JSON.parse(response.body) as { outcomes: Record<string, number>; events?: unknown[] },
  };
};

describe('the answer to a batch', () => {
  it('names each event of a small batch', async () => {
    const { status, body } = await answerTo(3);

    expect(status).toBe(202);
    expect(body.outcomes).toEqual({ accepted: 3 });
    expect(body.events).toHaveLength(3);
  });

  it('counts the events of a large batch by outcome instead of naming 150 of them', async () => {
    const { status, body } = await answerTo(150);

    expect(status).toBe(202);
    expect(body.outcomes).toEqual({ accepted: 150 });
    expect(body.events).toBeUndefined();
  });
});
