import type * as nodeCrypto from 'node:crypto';
import { verify as cryptoVerify } from 'node:crypto';
import { standardWebhooksProvider } from '#shared/providers/standard-webhooks/index';
import {
  aSignedDelivery,
  aStandardWebhooksVerifyInput,
  anEd25519KeyPair,
  fixtureBody,
  nowSeconds,
  standardWebhooksFixture,
} from '../../../helpers/providers/standard-webhooks';

// Counts Ed25519 verifications: node:crypto's exports cannot be spied on, so the module is wrapped.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof nodeCrypto>('node:crypto');
  return { ...actual, verify: jest.fn(actual.verify) };
});

const body = fixtureBody(standardWebhooksFixture('example.event'));
const junkEntry = (index: number): string => `v1a,${Buffer.alloc(64, index + 1).toString('base64')}`;

describe('standard webhooks verification cost', () => {
  it('verifies at most four v1a entries per key, however many the header holds', async () => {
    const header = Array.from({ length: 44 }, (_, index) => junkEntry(index)).join(' ');
    const request = aSignedDelivery(body, 'msg_1', nowSeconds(), header);
    jest.mocked(cryptoVerify).mockClear();

    const result = await standardWebhooksProvider.verify(
      aStandardWebhooksVerifyInput(request, [
        anEd25519KeyPair().publicSecret,
        anEd25519KeyPair().publicSecret,
      ]),
    );

    expect([result.ok, jest.mocked(cryptoVerify).mock.calls.length]).toEqual([false, 8]);
  });
});
