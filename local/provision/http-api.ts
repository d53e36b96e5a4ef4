import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { API_DOCS_PAGE, API_DOCUMENT_FILE } from '../../lib/openapi/serve';
import {
  accessLogFormatter,
  routeThrottleOf,
  startHttpApi,
  type AccessLogEntry,
  type HttpApiRoute,
} from '../apigateway';
import { resourcesOfType, type LocalResource } from '../template';
import { resolveIn, type Provisioner } from './context';

export interface HttpApiOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly accessLog?: (line: string) => void;
}

const AccessLogSettingsSchema = z.object({ Format: z.string() });

const ApiDocumentSchema = z.object({ servers: z.array(z.unknown()).default([]) }).passthrough();

const answer = (statusCode: number, contentType: string, body: string) =>
  Promise.resolve({ result: { statusCode, headers: { 'content-type': contentType }, body } });

/**
 * The API description synthesis wrote beside the template (lib/openapi), this server first among
 * its servers, and a page rendering it: routes of the local API only, so that a developer reads
 * what the stack serves without deploying it. Read at each request: a new synthesis shows at once.
 */
const apiDocsRoutes = (assemblyDir: string, url: () => string): HttpApiRoute[] => {
  const file = join(assemblyDir, API_DOCUMENT_FILE);
  return [
    {
      routeKey: `GET /${API_DOCUMENT_FILE}`,
      target: () => {
        if (!existsSync(file))
          return answer(
            404,
            'application/json',
            JSON.stringify({
              message: `No ${API_DOCUMENT_FILE} in ${assemblyDir}: synthesize the stack again (npm run synth).`,
            }),
          );
        const document = ApiDocumentSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
        const servers = [{ url: url(), description: 'this local runtime (npm start)' }, ...document.servers];
        return answer(200, 'application/json', JSON.stringify({ ...document, servers }));
      },
    },
    { routeKey: 'GET /api-docs', target: () => answer(200, 'text/html; charset=utf-8', API_DOCS_PAGE) },
  ];
};

/**
 * The AWS::ApiGatewayV2 family (Api, Integration, Route, Stage) as one provisioner: together they
 * make one server, which binds once every route, its Lambda integration and its stage throttle
 * are known.
 */
export const httpApiProvisioner =
  (options: HttpApiOptions): Provisioner<{ readonly url: string; readonly routeKeys: readonly string[] }> =>
  async (template, ctx) => {
    const resources = new Map<string, LocalResource>();
    for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'))
      resources.set(id, { ref: id });
    const resolve = resolveIn(ctx, resources);
    const stage = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').find(
      ([, s]) => s.Properties?.StageName === '$default',
    )?.[1];
    const stageProperties = stage
      ? (resolve({
          DefaultRouteSettings: stage.Properties?.DefaultRouteSettings,
          RouteSettings: stage.Properties?.RouteSettings,
        }) as Record<string, unknown>)
      : undefined;
    // The stage's own access log format where it has one, so that the lines are a deployed stage's.
    const format = AccessLogSettingsSchema.safeParse(stage?.Properties?.AccessLogSettings).data?.Format;
    const accessLine =
      format === undefined ? (entry: AccessLogEntry) => JSON.stringify(entry) : accessLogFormatter(format);
    const integrations = new Map(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Integration').map(([id, integration]) => [
        id,
        String(resolve(integration.Properties?.IntegrationUri)),
      ]),
    );
    const routes: HttpApiRoute[] = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
      const target = String(resolve(route.Properties?.Target ?? ''));
      const integrationId = [...integrations.keys()].find((id) => target === `integrations/${id}`);
      const functionArn = integrationId ? integrations.get(integrationId) : undefined;
      if (!functionArn)
        throw new Error(
          `route ${String(route.Properties?.RouteKey)} has no Lambda integration the runtime can serve`,
        );
      const routeKey = String(route.Properties?.RouteKey);
      const throttle = routeThrottleOf(stageProperties, routeKey);
      const authorization = route.Properties?.AuthorizationType ?? 'NONE';
      if (authorization !== 'NONE' && authorization !== 'AWS_IAM')
        throw new Error(
          `route ${routeKey} has ${JSON.stringify(authorization)} authorization, which the runtime does not serve`,
        );
      return {
        routeKey,
        ...(throttle ? { throttle } : {}),
        ...(authorization === 'AWS_IAM' ? { authorization } : {}),
        target: async (event) => {
          const outcome = await ctx.services.lambda.invoke(functionArn, event);
          return 'error' in outcome ? { error: outcome.error } : { result: outcome.result };
        },
      };
    });

    let url = '';
    const api = await startHttpApi({
      port: options.port,
      host: '127.0.0.1',
      // IAM-authorized routes take signatures made for the runtime's account and region.
      accountId: ctx.accountId,
      region: ctx.region,
      routes: [...routes, ...apiDocsRoutes(ctx.stack.assemblyDir, () => url)],
      ...(options.accessLog ? { accessLog: (entry) => options.accessLog?.(accessLine(entry)) } : {}),
    });
    ctx.onStop(() => api.stop());
    url = api.url;
    for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
      resources.set(id, { ref: api.apiId, attributes: { ApiEndpoint: api.url, ApiId: api.apiId } });
    }
    return { resources, url: api.url, routeKeys: routes.map((route) => route.routeKey) };
  };
