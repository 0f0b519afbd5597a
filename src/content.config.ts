import { defineCollection } from 'astro:content';
import { file, glob } from 'astro/loaders';
import { docsLoader } from '@astrojs/starlight/loaders';
import { docsSchema } from '@astrojs/starlight/schema';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  cipherGradeSchema, logPatternSchema, nonTlsParametersSchema, parameterSchema, protocolSchema, recipeSchema, releaseSchema,
  securityLevelSchema,
} from './lib/schema/index.ts';

// Field-level docs live on the schemas in src/lib/schema/ (one JSDoc line per field); the same
// schemas drive `npm run lint:content`, which runs first and reports file:line:field.
const contentDir = process.env.POSTFIX_TLS_CONTENT ?? './content';

/** One YAML file per entity; the id is the exact file name (no slugging: "TLSv1.2", "smtpd_use_tls"). */
const yamlDir = (dir: string) =>
  glob({ pattern: '*.yaml', base: `${contentDir}/${dir}`, generateId: ({ entry }) => entry.replace(/\.yaml$/, '') });

export const collections = {
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema() }),
  /** Postfix feature releases 2.2 ... newest (content/releases.yaml). */
  releases: defineCollection({
    loader: file(`${contentDir}/releases.yaml`, {
      parser: (text) => (parseYaml(text) as { version: string }[]).map((r) => ({ id: r.version, ...r })),
    }),
    schema: releaseSchema.extend({ id: releaseSchema.shape.version }),
  }),
  /** TLS-related parameters, one file each. */
  parameters: defineCollection({ loader: yamlDir('parameters'), schema: parameterSchema }),
  /** Names of Postfix's non-TLS parameters (one entry, "names"), for the checker's typo detection. */
  nonTlsParameters: defineCollection({
    loader: file(`${contentDir}/non-tls-parameters.yaml`, { parser: (text) => [{ id: 'names', ...(parseYaml(text) as object) }] }),
    schema: nonTlsParametersSchema.extend({ id: z.literal('names') }),
  }),
  /** SSL/TLS protocol versions. */
  protocols: defineCollection({ loader: yamlDir('protocols'), schema: protocolSchema }),
  /** Cipher grades (high, medium, ...). */
  cipherGrades: defineCollection({ loader: yamlDir('cipher-grades'), schema: cipherGradeSchema }),
  /** TLS security levels (none ... secure). */
  securityLevels: defineCollection({ loader: yamlDir('security-levels'), schema: securityLevelSchema }),
  /** Postfix TLS log lines and what they mean, for the log explainer. */
  logPatterns: defineCollection({ loader: yamlDir('log-patterns'), schema: logPatternSchema }),
  /** Task-oriented recipes in Markdown. */
  recipes: defineCollection({
    loader: glob({ pattern: '*.md', base: `${contentDir}/recipes`, generateId: ({ entry }) => entry.replace(/\.md$/, '') }),
    schema: recipeSchema,
  }),
};
