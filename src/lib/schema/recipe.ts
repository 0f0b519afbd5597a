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
  /**
   * Words readers search with that the page answers for but does not otherwise say: provider and product names,
   * SMTP replies, the exact error and warning text. Shown in small print at the foot of the page and indexed.
   * Only names and messages the page really answers for.
   */
  search_terms: z.array(z.string().min(2)).default([]),
  /** Topic tags for grouping. */
  tags: z.array(z.string()).default([]),
  /** The real-Postfix test that proves the recipe; the page says "proven" only when this is set. */
  proof: z.strictObject({
    /** Test file test/postfix/recipes/<test>.test.ts; its describe() title must name this recipe's slug. */
    test: z.string().regex(/^[a-z0-9-]+$/),
    /**
     * The installations the test runs on in CI, named as the release matrix names them: patch releases
     * built from upstream source ("3.4.29") and the distribution package ("3.7.11-debian"). At least the
     * oldest and the newest release of the recipe's range that the matrix has, and the distribution's.
     */
    releases: z.array(z.string().regex(/^[23]\.\d{1,2}\.\d{1,2}(-debian)?$/, 'must look like "3.4.29" or "3.7.11-debian"')).min(2),
    /** What the test asserts, one sentence each, as shown to readers. */
    checks: z.array(z.string().min(10)).min(1),
  }).optional(),
  /** What could not be proven offline (public DNSSEC, HTTPS policy fetches...), said plainly. */
  not_tested: z.string().optional(),
});
export type Recipe = z.infer<typeof recipeSchema>;
