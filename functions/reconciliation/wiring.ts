/**
 * The variable that points a provider's reconciliation API at another base URL
 * (`RELAYFLOW_PROVIDER_API_URL_STRIPE`, …), as `AWS_ENDPOINT_URL_<SERVICE>` does for AWS clients:
 * the local runtime's fakes, or a proxy.
 */
export const providerApiUrlVariable = (provider: string) =>
  `RELAYFLOW_PROVIDER_API_URL_${provider.toUpperCase().replaceAll('-', '_')}`;
