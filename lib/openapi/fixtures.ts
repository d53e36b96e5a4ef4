import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** A provider's documented request, as `functions/providers/<id>/fixtures/*.json` keeps it. */
export interface Fixture {
  /** The file name without `.json`: `invoice.paid`, `orders-create`. */
  readonly name: string;
  readonly description?: string;
  /** Lower-case names, without the signature (added when a request is signed). */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON as sent, or the exact text of a body that JSON would not keep (form posts, 64-bit ids). */
  readonly body: unknown;
}

const FixtureSchema = z.object({
  description: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]),
});

/** The fixtures of each provider that has a folder of them, by name; generic senders have none. */
export const readFixtures = (
  root: string,
  providerIds: readonly string[],
): ReadonlyMap<string, readonly Fixture[]> =>
  new Map(
    providerIds.map((id) => {
      const folder = join(root, 'functions', 'providers', id, 'fixtures');
      const names = existsSync(folder)
        ? readdirSync(folder)
            .filter((file) => file.endsWith('.json'))
            .sort()
        : [];
      return [
        id,
        names.map((file): Fixture => {
          const parsed = FixtureSchema.parse(JSON.parse(readFileSync(join(folder, file), 'utf8')));
          return {
            name: file.replace(/\.json$/, ''),
            ...(parsed.description ? { description: parsed.description } : {}),
            headers: Object.fromEntries(
              Object.entries(parsed.headers).map(([name, value]) => [name.toLowerCase(), value]),
            ),
            body: parsed.body,
          };
        }),
      ];
    }),
  );
