import { ProviderApiError } from '#shared/reconciliation/contract';

/** The stack output naming a provider's (and tenant's) API credentials secret (lib/constructs/reconciliation.ts). */
export const reconciliationSecretOutput = (provider: string, tenant = 'default'): string => {
  const pascal = (id: string) =>
    id
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((part) => part[0]?.toUpperCase() + part.slice(1))
      .join('');
  return `ReconciliationSecret${pascal(provider)}${tenant === 'default' ? '' : pascal(tenant)}`;
};

/**
 * One report line for a failed provider call: what happened, what it means, what to do. Never a
 * stack trace, and never the credentials (the provider modules keep them out of their messages).
 */
export const errorLine = (
  provider: string,
  tenant: string,
  what: string,
  error: unknown,
  tries = 1,
): string => {
  const secret = reconciliationSecretOutput(provider, tenant);
  const after = tries > 1 ? ` after ${tries} tries` : '';
  if (!(error instanceof ProviderApiError))
    return `${provider}: ${what} failed — ${error instanceof Error ? error.message : String(error)}`;
  const status = error.status === undefined ? '' : `${error.status} `;
  switch (error.errorClass) {
    case 'unauthorized':
      return `${provider}: ${status}unauthorized — the API key was refused; check the ${secret} secret (a read-only key, docs/reconciliation.md) — ${what} was not done`;
    case 'refused':
      return `${provider}: ${status}refused — ${error.message}; ${what} was not done`;
    case 'rate-limited':
      return `${provider}: ${status}rate-limited${after} — the provider kept asking us to slow down; ${what} stopped here and the next run continues from the checkpoint`;
    case 'unavailable':
      return `${provider}: ${status}unavailable${after} — ${error.message}; ${what} stopped here and the next run continues from the checkpoint`;
    case 'malformed':
      return `${provider}: malformed answer — ${error.message}; ${what}: nothing of it was ingested and the checkpoint did not move`;
  }
};
