import type { VerifyResult } from '#shared/providers/types';

/**
 * Domain events carry no signature: the caller was authenticated before the publisher was
 * reached (IAM at the producer API, the EventBridge rule, the Scheduler's role, the consumer's
 * own code), and only the producer function and the consumer can call the publisher at all
 * (docs/decisions/0047-domain-events.md). Verification therefore accepts, with no secret and no
 * signature bytes.
 */
export const verifyInternal = (): VerifyResult => ({ ok: true, secretIndex: 0, signature: Buffer.alloc(0) });
