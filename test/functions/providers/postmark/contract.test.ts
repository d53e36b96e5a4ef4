import { postmarkOptionsSchema, postmarkProvider } from '#shared/providers/postmark/index';
import { aPostmarkRecordRequest, postmarkRecord } from '../../../helpers/providers/postmark';

const options = postmarkOptionsSchema.parse({});
const CREDENTIALS = 'relayflow:s3cret';

describe('Postmark provider contract', () => {
  it('returns an empty signature: Basic credentials sign nothing', async () => {
    const result = await postmarkProvider.verify({
      request: aPostmarkRecordRequest(postmarkRecord('delivery'), CREDENTIALS),
      secrets: [CREDENTIALS],
      now: new Date(),
      options,
    });

    expect(result).toEqual({ ok: true, secretIndex: 0, signature: Buffer.alloc(0) });
  });

  it('reads identity from the body and has no signature header (Authorization is never stored)', () => {
    expect([
      postmarkProvider.identityFromUnsignedHeaders(options),
      postmarkProvider.signatureHeaders(options),
    ]).toEqual([false, []]);
  });
});
