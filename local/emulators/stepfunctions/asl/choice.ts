import { z } from 'zod';
import type { Scope } from './template';
import { DataPath, readPath } from './template';

/**
 * Choice rules (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html): `And` and
 * the comparisons the replay state machine uses. A comparison of mismatched types is false; a
 * missing Variable is a runtime error. Adding a comparison is a member of Rule, its test in
 * evaluateRule, and a test.
 */
export type Rule =
  | { readonly Variable: string; readonly BooleanEquals: boolean }
  | { readonly Variable: string; readonly NumericLessThanPath: string }
  | { readonly And: readonly Rule[] };

// A rule of Choices carries its Next, which the Choice state's schema requires there.
const extra = { Next: z.string().optional(), Comment: z.string().optional() };

export const Rule: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.strictObject({ Variable: DataPath, BooleanEquals: z.boolean(), ...extra }),
    z.strictObject({ Variable: DataPath, NumericLessThanPath: DataPath, ...extra }),
    z.strictObject({ And: z.array(Rule).min(1), ...extra }),
  ]),
);

export function evaluateRule(rule: Rule, scope: Scope): boolean {
  if ('And' in rule) return rule.And.every((r) => evaluateRule(r, scope));
  const value = readPath(rule.Variable, scope, 'Variable');
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  const bound = readPath(rule.NumericLessThanPath, scope, 'NumericLessThanPath');
  return typeof value === 'number' && typeof bound === 'number' && value < bound;
}
