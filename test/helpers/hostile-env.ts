// Imported first by the hostile harness: the module-scope Metrics reads its namespace when the
// handlers are first imported, and without one it prints a plain-text warning among the JSON.
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'RelayFlowHostile';
