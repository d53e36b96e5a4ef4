import { createConsumerHandler } from '#shared/consumer/handler';

export const handler = createConsumerHandler();
