import { createAuditArchiverHandler } from '#shared/audit/handler';

export const handler = createAuditArchiverHandler();
