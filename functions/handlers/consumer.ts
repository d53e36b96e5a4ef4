import { wireConsumer } from '#shared/consumer/wiring';

export const handler = wireConsumer();
