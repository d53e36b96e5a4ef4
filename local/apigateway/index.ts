export { accessLogFormatter } from './access-log';
export { jsonAccessLog, startHttpApi } from './server';
export type { AccessLogEntry, HttpApiOptions, HttpApiRoute, RouteTarget, RunningHttpApi } from './server';
export type { IntegrationOutcome } from './response';
export { routeThrottleOf, TokenBucket } from './throttle';
export type { MonotonicClock, RouteThrottle } from './throttle';
export { LOCAL_CREDENTIALS, verifyIamRequest } from './iam';
export type { IamAuthorizer, IamSettings, IamVerdict, LocalCredentials, SignedRequest } from './iam';
