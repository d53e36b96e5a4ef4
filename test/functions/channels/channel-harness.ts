import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import type { ChannelsEnvironment } from '#shared/channels/wiring';
import { credentialsReader } from '#shared/channels/wiring';
import { adapterSet } from '#shared/channels/registry';
import { messageIdOf } from '#shared/channels/render';
import { downstreamKeyOf } from '#shared/targets/index';
import type { ConsumerHarness } from '../../helpers/consumer-harness';
import type { RecordingServer, Recorded, Reply } from './recording-server';

/**
 * What delivery.test.ts and receipts.test.ts share: the real twilio, postmark and webhook adapters
 * behind the consumer harness, their credentials read through the real wiring from an in-memory
 * secret store, and a local server that answers as each provider does.
 */

export const TWILIO_PATH = /^\/2010-04-01\/Accounts\/AC0123\/Messages\.json$/;
export const POSTMARK_SEND = '/email';
export const POSTMARK_SEARCH = /^\/messages\/outbound\?/;

export const SECRETS: Record<string, string | undefined> = {};
export const resetSecrets = () => {
  SECRETS['arn:twilio'] = JSON.stringify({ accountSid: 'AC0123', authToken: 'tok', from: '+15550001111' });
  SECRETS['arn:postmark'] = JSON.stringify({ serverToken: 'pm-token', from: 'billing@example.com' });
  SECRETS['arn:webhook'] = JSON.stringify({
    signingSecret: `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`,
  });
};

const environment: ChannelsEnvironment = {
  webhookBaseUrl: 'https://hooks.example.com',
  adapters: Object.fromEntries(
    ['twilio', 'postmark', 'webhook'].map((via) => [via, { secretArn: `arn:${via}`, tenants: {} }]),
  ),
};

/** A provider call gets this long before it counts as unanswered (the harness's own is 2 s). */
const CALL_TIMEOUT_MS = 300;

/** The `channels` option of the harness's consumer: real adapters, real credentials reader. */
export const channelsOn = (server: RecordingServer) => {
  const adapters = adapterSet(['twilio', 'postmark', 'webhook']);
  return {
    adapters,
    credentials: credentialsReader(
      environment,
      { get: (arn: string) => Promise.resolve(SECRETS[arn]) } as never,
      (via) => adapters.get(via),
      0,
    ),
    baseUrl: () => server.url,
    fetch: ((url, init) =>
      fetch(url, {
        ...init,
        signal: AbortSignal.any([
          ...(init?.signal ? [init.signal] : []),
          AbortSignal.timeout(CALL_TIMEOUT_MS),
        ]),
      })) as typeof fetch,
  };
};

/** Replies per request, in order; once used up, the last one repeats. */
export const scripted = (
  server: RecordingServer,
  routes: readonly { match: (r: Recorded) => boolean; replies: Reply[] }[],
) => {
  const used = routes.map(() => 0);
  server.reply = (request) => {
    const index = routes.findIndex((route) => route.match(request));
    const route = routes[index];
    if (!route) return { status: 404, body: { message: `no fake for ${request.method} ${request.path}` } };
    const reply = route.replies[Math.min(used[index]!, route.replies.length - 1)]!;
    used[index]! += 1;
    return reply;
  };
};

export const twilioCalls = (server: RecordingServer) =>
  server.requests.filter((r) => TWILIO_PATH.test(r.path));
export const postmarkSends = (server: RecordingServer) =>
  server.requests.filter((r) => r.path === POSTMARK_SEND);

export const messageIdFor = (eventId: string, targetId: string) =>
  messageIdOf(downstreamKeyOf(eventId, targetId));

/** The visibility timeouts the consumer asked for, in seconds. */
export const visibilityTimeouts = (harness: ConsumerHarness) =>
  harness.sqsMock
    .commandCalls(ChangeMessageVisibilityBatchCommand)
    .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.VisibilityTimeout));

export const twilioCreated = (sid: string): Reply => ({
  status: 201,
  body: { sid, status: 'queued', to: '+15558675310', from: '+15550001111' },
});
export const postmarkAccepted = (id: string): Reply => ({
  status: 200,
  body: {
    To: 'ada@example.com',
    SubmittedAt: '2026-05-01T10:00:00Z',
    MessageID: id,
    ErrorCode: 0,
    Message: 'OK',
  },
});
