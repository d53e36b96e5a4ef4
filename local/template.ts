import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** A CloudFormation resource as synthesized. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Metadata?: Record<string, unknown>;
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

const ManifestSchema = z.object({
  artifacts: z.record(
    z.string(),
    z
      .object({
        type: z.string(),
        properties: z.object({ templateFile: z.string().optional() }).passthrough().optional(),
        displayName: z.string().optional(),
      })
      .passthrough(),
  ),
});

/** A synthesized stack: its template and the directory its assets were staged in. */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: Template;
  readonly assemblyDir: string;
}

/** Reads the one stack of a cloud assembly (`cdk.out`). */
export const readAssembly = (assemblyDir: string): SynthesizedStack => {
  const manifestPath = join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new Error(`no cloud assembly at ${assemblyDir}: run "npx cdk synth" first`);
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const [stack] = stacks;
  if (!stack || stacks.length !== 1)
    throw new Error(`expected one stack in ${assemblyDir}, found ${stacks.length}`);
  const [stackName, artifact] = stack;
  const templateFile = artifact.properties?.templateFile ?? `${stackName}.template.json`;
  const template = JSON.parse(readFileSync(join(assemblyDir, templateFile), 'utf8')) as Template;
  return { stackName, template, assemblyDir };
};

/** The staged bundle directory of a Lambda function (`asset.<hash>` beside the template). */
export const bundleDirOf = (stack: SynthesizedStack, fn: TemplateResource): string => {
  const code = fn.Properties?.Code as { S3Key?: unknown } | undefined;
  const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
  if (!key) throw new Error('function code is not a staged asset');
  const dir = join(stack.assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
  if (!existsSync(dir)) throw new Error(`bundle ${dir} is missing: synthesize with bundling enabled`);
  return dir;
};

export const resourcesOfType = (template: Template, type: string): [string, TemplateResource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** What a logical id resolves to locally: its `Ref` value and its `Fn::GetAtt` attributes. */
export interface LocalResource {
  readonly ref: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface ResolveContext {
  readonly resources: ReadonlyMap<string, LocalResource>;
  readonly accountId: string;
  readonly region: string;
  readonly stackName: string;
}

const PSEUDO = (ctx: ResolveContext): Record<string, string> => ({
  'AWS::AccountId': ctx.accountId,
  'AWS::Region': ctx.region,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': ctx.stackName,
  'AWS::StackId': `arn:aws:cloudformation:${ctx.region}:${ctx.accountId}:stack/${ctx.stackName}/local`,
  'AWS::NoValue': '',
});

/**
 * Resolves the intrinsic functions a synthesized template uses (`Ref`, `Fn::GetAtt`,
 * `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`) against local names, URLs and ARNs.
 * Anything else fails loudly, naming the function, rather than resolving to a wrong value.
 */
export const resolveValue = (value: unknown, ctx: ResolveContext): unknown => {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [fn, arg] = first;
    switch (fn) {
      case 'Ref':
        return refOf(String(arg), ctx);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        return attributeOf(String(logicalId), String(attribute), ctx);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (resolveValue(parts, ctx) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (resolveValue(list, ctx) as unknown[])[Number(resolveValue(index, ctx))];
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return String(resolveValue(text, ctx)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [String(arg), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in variables) return String(resolveValue(variables[name], ctx));
          if (name.includes('.')) {
            const [logicalId, attribute] = name.split('.');
            return attributeOf(String(logicalId), String(attribute), ctx);
          }
          return refOf(name, ctx);
        });
      }
      default:
        throw new Error(`the local runtime cannot resolve ${fn}`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, ctx)]));
};

const refOf = (name: string, ctx: ResolveContext): string => {
  const pseudo = PSEUDO(ctx)[name];
  if (pseudo !== undefined) return pseudo;
  const resource = ctx.resources.get(name);
  if (!resource) throw new Error(`Ref to ${name}, which the local runtime did not create`);
  return resource.ref;
};

const attributeOf = (logicalId: string, attribute: string, ctx: ResolveContext): string => {
  const value = ctx.resources.get(logicalId)?.attributes?.[attribute];
  if (value === undefined) throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not known locally`);
  return value;
};
