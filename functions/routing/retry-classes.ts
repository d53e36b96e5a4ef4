/**
 * The error classes a retry policy's `retryOn` may name: those the targets raise
 * (functions/targets/http.ts, eventbridge.ts, functions/workflows/saga.ts), with families for
 * the HTTP statuses and a trailing `*` for the classes that carry an SDK or entry code.
 */
const EXACT = new Set(['timeout', 'network', 'circuit-open', 'workflow-failed', 'compensation-failed']);
const STATUS = /^http-(\d{3}|[45]xx)$/;
const PREFIXED = /^(eventbridge|eventbridge-entry)-([A-Za-z0-9]+|\*)$/;

/** What is wrong with a `retryOn` entry; undefined when it names a class the targets raise. */
export const retryOnProblem = (entry: string): string | undefined =>
  EXACT.has(entry) || STATUS.test(entry) || PREFIXED.test(entry)
    ? undefined
    : `"${entry}" is not a retryable error class (${[...EXACT].join(', ')}, http-<status>, http-4xx, http-5xx, eventbridge-<error>, eventbridge-entry-<code>, eventbridge-*)`;

/** Whether a `retryOn` entry covers an error class. */
export const retryOnCovers = (entry: string, errorClass: string): boolean => {
  if (entry === errorClass) return true;
  const family = /^http-([45])xx$/.exec(entry);
  if (family) return new RegExp(`^http-${family[1]}\\d\\d$`).test(errorClass);
  return entry.endsWith('*') && errorClass.startsWith(entry.slice(0, -1));
};
