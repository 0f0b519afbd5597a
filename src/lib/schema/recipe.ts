import { z } from 'zod';
import { parameterName, releaseVersion } from './common.ts';

/** Front matter of a recipe in content/recipes/*.md. */
export const recipeSchema = z.strictObject({
  /** Page title: the task, as an admin would phrase it. */
  title: z.string().min(5),
  /** One-sentence answer shown under the title and in search results. */
  summary: z.string().min(10).max(240),
  /** Postfix releases the recipe applies to (inclusive range). */
  postfix: z.strictObject({
    /** Oldest release the recipe's config works on. */
    from: releaseVersion,
    /** Newest release, when the recipe stops applying. */
    to: releaseVersion.optional(),
  }),
  /** Every parameter the recipe sets or discusses; each must exist in content/parameters. */
  parameters: z.array(parameterName).min(1),
  /** Topic tags for grouping. */
  tags: z.array(z.string()).default([]),
  /** Id of the real-Postfix test that proves this recipe (test/postfix/recipes/<id>.test.ts). */
  proven_by: z.string().optional(),
});
export type Recipe = z.infer<typeof recipeSchema>;
