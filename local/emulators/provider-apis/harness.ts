import { z } from 'zod';
import type { GithubApiFake } from './github';
import type { StripeApiFake } from './stripe';
import { API_FAKE_PROVIDERS, type Answer, type ApiFakeProvider } from './types';

/**
 * The harness's path segment on the fakes' server: outside every provider's prefix and named so
 * that nobody takes it for a provider API. It lets a process other than the runtime's (the CLI's
 * `send --lost`) make the fakes send or lose a webhook.
 */
export const HARNESS_PREFIX = '_harness';

/**
 * How far back a dropped webhook is dated unless the body says otherwise. Reconciliation leaves
 * what is younger than its settle margin (5 minutes, SETTLE_MS in
 * functions/reconciliation/handler.ts) alone, as possibly still on its way: a webhook lost "just
 * now" would not be found by a run started right after. Ten minutes puts it past the margin.
 */
export const LOST_WEBHOOK_AGE_SECONDS = 10 * 60;

const JsonObjectSchema = z.record(z.string(), z.unknown());
const AgeSchema = z.number().int().min(0);

/**
 * `POST /_harness/stripe/send`. `event` is what `stripe.send` takes (a whole Stripe event is
 * accepted: the fake completes it again); its `created` is set by `createdSecondsAgo`.
 */
export const StripeHarnessSendSchema = z.strictObject({
  event: z.object({
    id: z.string().min(1).optional(),
    type: z.string().min(1),
    data: z.object({ object: JsonObjectSchema, previous_attributes: JsonObjectSchema.optional() }),
    account: z.string().min(1).optional(),
  }),
  drop: z.boolean().optional(),
  tenant: z.string().min(1).optional(),
  /** @default 600 for a dropped event, 0 otherwise */
  createdSecondsAgo: AgeSchema.optional(),
});
export type StripeHarnessSend = z.infer<typeof StripeHarnessSendSchema>;

/** `POST /_harness/github/send`: the `X-GitHub-Event` name and the payload of one delivery. */
export const GithubHarnessSendSchema = z.strictObject({
  event: z.string().min(1),
  payload: JsonObjectSchema,
  drop: z.boolean().optional(),
  tenant: z.string().min(1).optional(),
  /** The delivery's `delivered_at`, this long ago. @default 600 for a dropped delivery, 0 otherwise */
  deliveredSecondsAgo: AgeSchema.optional(),
});
export type GithubHarnessSend = z.infer<typeof GithubHarnessSendSchema>;

const message = (status: number, text: string): Answer => ({ status, body: { message: text } });

const parseBody = <T extends z.ZodType>(
  schema: T,
  body: Buffer,
  route: string,
): { ok: true; value: z.output<T> } | { ok: false; answer: Answer } => {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, answer: message(400, `${route} takes a JSON body; this one is not JSON.`) };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  return { ok: false, answer: message(400, `${route}: ${issues.join('; ')}.`) };
};

const ageOf = (given: number | undefined, drop: boolean | undefined) =>
  given ?? (drop ? LOST_WEBHOOK_AGE_SECONDS : 0);

/**
 * Answers `POST /_harness/<provider>/send` (`segments` are the path's after the prefix) by
 * calling the provider fake's `send`: 200 with its result, 400 for a bad body, 404 elsewhere.
 */
export const answerHarness = async (
  fakes: { readonly stripe: StripeApiFake; readonly github: GithubApiFake },
  now: () => Date,
  request: { readonly method: string; readonly segments: readonly string[]; readonly body: Buffer },
): Promise<Answer> => {
  const [provider = '', action, ...rest] = request.segments;
  const routes = API_FAKE_PROVIDERS.map((p) => `POST /${HARNESS_PREFIX}/${p}/send`).join(', ');
  if (!(API_FAKE_PROVIDERS as readonly string[]).includes(provider) || action !== 'send' || rest.length > 0)
    return message(
      404,
      `No harness route at /${[HARNESS_PREFIX, ...request.segments].join('/')}; there are ${routes}.`,
    );
  const route = `POST /${HARNESS_PREFIX}/${provider}/send`;
  if (request.method !== 'POST')
    return { ...message(405, `${route} takes POST only.`), headers: { allow: 'POST' } };
  if ((provider as ApiFakeProvider) === 'stripe') {
    const parsed = parseBody(StripeHarnessSendSchema, request.body, route);
    if (!parsed.ok) return parsed.answer;
    const { event, drop, tenant, createdSecondsAgo } = parsed.value;
    const created = Math.floor(now().getTime() / 1000) - ageOf(createdSecondsAgo, drop);
    const result = await fakes.stripe.send(
      { ...event, created },
      { ...(drop === undefined ? {} : { drop }), ...(tenant === undefined ? {} : { tenant }) },
    );
    return { status: 200, body: { provider, ...result } };
  }
  const parsed = parseBody(GithubHarnessSendSchema, request.body, route);
  if (!parsed.ok) return parsed.answer;
  const { event, payload, drop, tenant, deliveredSecondsAgo } = parsed.value;
  const result = await fakes.github.send(event, payload, {
    ...(drop === undefined ? {} : { drop }),
    ...(tenant === undefined ? {} : { tenant }),
    deliveredAt: new Date(now().getTime() - ageOf(deliveredSecondsAgo, drop) * 1000),
  });
  return { status: 200, body: { provider, ...result } };
};
