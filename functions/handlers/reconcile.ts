import { createReconcileHandler } from '#shared/reconciliation/handler';

export const handler = createReconcileHandler();
