import * as z from 'zod/mini';

const nonEmpty = () => z.string().check(z.minLength(1));

/**
 * The fields of a GitHub webhook payload that choose its canonical type and entity. Every
 * event shares this envelope; the rest of the payload is event-specific and kept as data.
 */
export const GithubPayloadSchema = z.looseObject({
  action: z.optional(nonEmpty()),
  repository: z.optional(z.nullable(z.looseObject({ full_name: nonEmpty() }))),
  organization: z.optional(z.nullable(z.looseObject({ login: nonEmpty() }))),
  installation: z.optional(z.nullable(z.looseObject({ id: z.int() }))),
});
export type GithubPayload = z.infer<typeof GithubPayloadSchema>;
