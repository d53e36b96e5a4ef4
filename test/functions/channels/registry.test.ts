import { ADAPTER_CHANNELS, ADAPTER_IDS, ADAPTER_LOADERS, adapterSet } from '#shared/channels/registry';

describe('the adapter registry', () => {
  it('lists the same adapters in its loaders and its channels', () => {
    expect(Object.keys(ADAPTER_CHANNELS).sort()).toEqual([...ADAPTER_IDS].sort());
    expect(ADAPTER_IDS.sort()).toEqual([
      'fcm',
      'mailgun',
      'postmark',
      'sendgrid',
      'ses',
      'twilio',
      'webhook',
    ]);
  });

  it.each(Object.keys(ADAPTER_LOADERS))(
    'loads %s, whose id and channels are what the registry says',
    async (id) => {
      const adapter = await ADAPTER_LOADERS[id]?.();
      expect(adapter?.id).toBe(id);
      expect([...(adapter?.channels ?? [])].sort()).toEqual([...(ADAPTER_CHANNELS[id] ?? [])].sort());
      expect(typeof adapter?.send).toBe('function');
      expect(typeof adapter?.receiptOf).toBe('function');
    },
  );

  it('gives only the configured adapters, each loaded once', async () => {
    let loads = 0;
    const set = adapterSet(['twilio', 'nosuch'], {
      ...ADAPTER_LOADERS,
      twilio: () => {
        loads += 1;
        return ADAPTER_LOADERS.twilio!();
      },
    });
    expect(await set.get('postmark')).toBeUndefined();
    expect(await set.get('nosuch')).toBeUndefined();
    expect(await set.get('__proto__')).toBeUndefined();
    expect((await set.get('twilio'))?.id).toBe('twilio');
    expect((await set.all()).map((a) => a.id)).toEqual(['twilio']);
    expect(loads).toBe(1);
  });
});
