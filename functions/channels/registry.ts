import type { Channel, ChannelAdapter } from '#shared/channels/contract';

/**
 * Every channel adapter, loaded on first use: a consumer loads only the adapters its stack
 * configures (the SES adapter brings the SES client with it), and esbuild keeps each behind a
 * lazily run wrapper, so an unused one costs its bytes' parse, not its evaluation.
 */
export const ADAPTER_LOADERS: Readonly<Record<string, () => Promise<ChannelAdapter<unknown>>>> = {
  postmark: () =>
    import('#shared/channels/postmark/index').then((m) => m.postmarkAdapter as ChannelAdapter<unknown>),
  sendgrid: () =>
    import('#shared/channels/sendgrid/index').then((m) => m.sendgridAdapter as ChannelAdapter<unknown>),
  mailgun: () =>
    import('#shared/channels/mailgun/index').then((m) => m.mailgunAdapter as ChannelAdapter<unknown>),
  ses: () => import('#shared/channels/ses/index').then((m) => m.sesAdapter as ChannelAdapter<unknown>),
  twilio: () =>
    import('#shared/channels/twilio/index').then((m) => m.twilioAdapter as ChannelAdapter<unknown>),
  fcm: () => import('#shared/channels/fcm/index').then((m) => m.fcmAdapter as ChannelAdapter<unknown>),
  webhook: () =>
    import('#shared/channels/webhook/index').then((m) => m.webhookAdapter as ChannelAdapter<unknown>),
};

/**
 * What each adapter sends, known without loading it: synth checks targets against it (a test
 * holds it to each adapter's own `channels`).
 */
export const ADAPTER_CHANNELS: Readonly<Record<string, readonly Channel[]>> = {
  postmark: ['email'],
  sendgrid: ['email'],
  mailgun: ['email'],
  ses: ['email'],
  twilio: ['sms', 'whatsapp'],
  fcm: ['push'],
  webhook: ['webhook'],
};

export const ADAPTER_IDS = Object.keys(ADAPTER_LOADERS);

/** The adapters a consumer may use: those its stack configures. */
export interface AdapterSet {
  readonly ids: readonly string[];
  get(id: string): Promise<ChannelAdapter<unknown> | undefined>;
  all(): Promise<readonly ChannelAdapter<unknown>[]>;
}

/** The configured adapters, each loaded once, when first needed. */
export const adapterSet = (
  ids: readonly string[],
  loaders: Readonly<Record<string, () => Promise<ChannelAdapter<unknown>>>> = ADAPTER_LOADERS,
): AdapterSet => {
  const loaded = new Map<string, Promise<ChannelAdapter<unknown>>>();
  const get = (id: string) => {
    const load = ids.includes(id) && Object.hasOwn(loaders, id) ? loaders[id] : undefined;
    if (!load) return Promise.resolve(undefined);
    let adapter = loaded.get(id);
    if (!adapter) {
      adapter = load();
      loaded.set(id, adapter);
    }
    return adapter;
  };
  return {
    ids,
    get,
    all: async () =>
      (await Promise.all(ids.map(get))).filter((a): a is ChannelAdapter<unknown> => a !== undefined),
  };
};
