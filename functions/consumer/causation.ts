/**
 * Whether an event is too deep in a chain of workflow emissions to run (decision 0049): the
 * reason to quarantine it, or undefined. Synthesis refuses routes whose workflows can loop; this
 * is the run-time guard for what synthesis cannot see (a route changed under events in flight, a
 * producer echoing an emitted event back).
 */
export const decideCausation = (
  causation: { readonly depth?: number; readonly causationId?: string },
  settings: { readonly maxCausationDepth: number },
): string | undefined => {
  const depth = causation.depth ?? 0;
  if (depth <= settings.maxCausationDepth) return undefined;
  return `cycle: causation depth ${depth} exceeds maxCausationDepth ${settings.maxCausationDepth}${causation.causationId ? `; emitted by ${causation.causationId}` : ''}`;
};
