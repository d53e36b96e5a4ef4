import Mustache from 'mustache';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.cjs';
import {
  EmailContentSchema,
  MAX_CONTENT_BYTES,
  MESSAGE_VERSION,
  PushContentSchema,
  TextContentSchema,
  WebhookContentSchema,
  type Channel,
  type Message,
} from '#shared/channels/contract';
import type { ChannelTemplates } from '#shared/channels/templates/index';

/** A template that cannot be rendered for this event: permanent, with every name that did not resolve. */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

/** Mustache token types that print a value: escaped, unescaped (`{{& }}`, `{{{ }}}`). */
const VALUE_TOKENS = new Set(['name', '&']);
/** Tokens that open a section: their inner names resolve against the section's own value. */
const SECTION_TOKENS = new Set(['#', '^']);

type Token = [string, string, number, number, Token[]?];

/** The names a template prints outside sections (inside one, names resolve against the section's value). */
const topLevelNames = (template: string): string[] =>
  (Mustache.parse(template) as Token[]).flatMap(([type, name]) =>
    VALUE_TOKENS.has(type) || SECTION_TOKENS.has(type) ? [name] : [],
  );

/** Own properties only, so that `constructor` or `__proto__` never resolve to something. */
const resolve = (view: unknown, path: string): unknown => {
  if (path === '.') return view;
  let current: unknown = view;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

/** Syntax problems of a template (an unclosed tag, a section never closed): for synth. */
export const templateProblem = (template: string): string | undefined => {
  try {
    Mustache.parse(template);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/**
 * Renders one template against the event. A printed name that does not resolve, or resolves to
 * null or an empty string, is refused: a message is never sent with a blank where a value was
 * meant to be. HTML is escaped only in `html` fields.
 */
export const renderTemplate = (
  template: string,
  view: IntegrationEvent,
  field: string,
  html = false,
): string => {
  const missing = topLevelNames(template).filter((name) => {
    const value = resolve(view, name);
    return value === undefined || value === null || value === '';
  });
  if (missing.length > 0)
    throw new RenderError(
      `${field}: ${missing.map((name) => `{{${name}}}`).join(', ')} did not resolve for this event`,
    );
  return Mustache.render(template, view, {}, html ? {} : { escape: (value: string) => value });
};

/** Renders every string of a value (a webhook payload, push data), keeping its shape. */
const renderDeep = (value: unknown, view: IntegrationEvent, field: string): unknown => {
  if (typeof value === 'string') return renderTemplate(value, view, field);
  if (Array.isArray(value)) return value.map((item, i) => renderDeep(item, view, `${field}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, renderDeep(inner, view, `${field}.${key}`)]),
    );
  return value;
};

/** The content each channel takes: strict, so that a field meant for another channel is refused. */
export const CONTENT_SCHEMAS: Readonly<Record<Channel, z.ZodMiniType<Message['content']>>> = {
  email: z.strictObject(EmailContentSchema.shape),
  sms: z.strictObject(TextContentSchema.shape),
  whatsapp: z.strictObject(TextContentSchema.shape),
  push: z.strictObject(PushContentSchema.shape),
  webhook: z.strictObject(WebhookContentSchema.shape),
};

/**
 * zod/mini carries no messages ("Invalid input"): English alone, per parse, so that a problem
 * names what to fix (the stray key of another channel, the missing field), as publisher.ts does.
 */
const MESSAGES = { error: english().localeError };

/** The problems of a channel's content as rendered (or as written, at synth), one line each. */
export const contentProblems = (channel: Channel, content: unknown): string[] => {
  const parsed = CONTENT_SCHEMAS[channel].safeParse(content, MESSAGES);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${[...issue.path].join('.') || 'content'}: ${issue.message}`);
};

/** A message id from the target's downstream key: stable across retries, distinct per target. */
export const messageIdOf = (downstreamKey: string) => `msg_${downstreamKey.replace(/^rf_/, '')}`;

/** What a `message` target renders: its channel's content templates and its recipient. */
export interface MessageSpec {
  readonly channel: Channel;
  readonly via: string;
  readonly to: string;
  readonly content: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The content templates of a target: inline, or its named template's entry for the channel. */
export const contentOf = (
  target: {
    readonly channel: Channel;
    readonly template?: string;
    readonly content?: Readonly<Record<string, unknown>>;
  },
  catalog: Readonly<Record<string, ChannelTemplates>>,
): Readonly<Record<string, unknown>> | string => {
  if (target.content) return target.content;
  if (!target.template) return 'has neither `template` nor `content`';
  const named = Object.hasOwn(catalog, target.template) ? catalog[target.template] : undefined;
  if (!named)
    return `template "${target.template}" does not exist (known: ${Object.keys(catalog).join(', ') || 'none'})`;
  const entry = named[target.channel];
  if (!entry) return `template "${target.template}" has no ${target.channel} version`;
  return entry;
};

/**
 * The Message a target sends for an event: `id` is the target's downstream key (the same on
 * every retry), every template rendered. Throws RenderError (permanent) with the field and names.
 */
export const renderMessage = (
  spec: MessageSpec,
  event: IntegrationEvent,
  ids: { readonly messageId: string },
): Message => {
  const content = Object.fromEntries(
    Object.entries(spec.content).map(([field, template]) => [
      field,
      typeof template === 'string'
        ? renderTemplate(template, event, field, field === 'html')
        : renderDeep(template, event, field),
    ]),
  );
  const problems = contentProblems(spec.channel, content);
  if (problems.length > 0) throw new RenderError(`${spec.channel} content: ${problems.join('; ')}`);
  const bytes = Buffer.byteLength(JSON.stringify(content));
  if (bytes > MAX_CONTENT_BYTES)
    throw new RenderError(
      `content is ${bytes} bytes once rendered, over the ${MAX_CONTENT_BYTES} a message may carry`,
    );
  return {
    v: MESSAGE_VERSION,
    id: ids.messageId,
    tenant: event.tenant,
    channel: spec.channel,
    via: spec.via,
    to: renderTemplate(spec.to, event, 'to').trim(),
    content: content as Message['content'],
    correlationId: event.correlationId,
    causationEventId: event.id,
    metadata: Object.fromEntries(
      Object.entries(spec.metadata ?? {}).map(([key, template]) => [
        key,
        renderTemplate(template, event, `metadata.${key}`),
      ]),
    ),
  };
};
