import type { AstroIntegration } from 'astro';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '../lib/content-lint/index.ts';
import { loadContentDir } from '../lib/content-lint/content-dir.ts';

/**
 * Runs the positioned content lint before Astro loads collections, so a bad data file fails the build
 * with `file:line: field "x": reason` instead of a schema dump or a stack trace.
 */
export function contentLint({ contentDir }: { contentDir: string }): AstroIntegration {
  return {
    name: 'postfix-tls:content-lint',
    hooks: {
      'astro:config:setup': async ({ config, command, logger }) => {
        const root = fileURLToPath(config.root);
        const { problems } = await loadContentDir(root, resolve(root, contentDir));
        if (problems.length === 0) return;
        for (const p of problems) logger.error(formatProblem(p));
        const summary = `${problems.length} problem(s) in content; run \`npm run lint:content\` after fixing them.`;
        if (command === 'build') {
          logger.error(summary);
          // Exit here: a thrown error would bury the positioned messages under Astro's stack trace.
          process.exit(1);
        }
        logger.warn(summary);
      },
    },
  };
}
