import type { AstroIntegration } from 'astro';

/**
 * Fails the build when any recipe config block disagreed with the checker. The remark plugin reports into
 * `problems`; Astro's content layer only logs a failed Markdown render, so without this gate the build
 * would finish green with the bad block silently missing.
 */
export function recipeBlockGate(problems: readonly string[]): AstroIntegration {
  const gate = (logger: { error(msg: string): void }) => {
    if (problems.length === 0) return;
    for (const line of new Set(problems)) logger.error(line);
    logger.error(`${new Set(problems).size} recipe config block problem(s); fix the blocks or declare the findings with expect="...".`);
    process.exit(1);
  };
  return {
    name: 'postfix-tls:recipe-block-gate',
    hooks: {
      'astro:build:start': ({ logger }) => gate(logger),
      'astro:build:done': ({ logger }) => gate(logger),
    },
  };
}
