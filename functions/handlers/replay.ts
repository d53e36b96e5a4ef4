import { createReplayHandler } from '#shared/replay/handler';

export const handler = createReplayHandler();
