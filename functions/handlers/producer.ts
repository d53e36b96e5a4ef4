import { createProducerHandler } from '#shared/producer/handler';

export const handler = createProducerHandler();
