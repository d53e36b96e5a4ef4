/**
 * The error class of an event's `lastError`, which the consumer writes as `<class>: <message>`
 * (functions/consumer/failure-policy.ts): `http-503: ledger answered 503` → `http-503`.
 */
export const errorClassOf = (lastError: string | undefined): string => {
  if (!lastError) return 'unknown';
  const match = /^([A-Za-z][\w.-]*)\s*:/.exec(lastError);
  return match?.[1] ?? lastError.slice(0, 40);
};
