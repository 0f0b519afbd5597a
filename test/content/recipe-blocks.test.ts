// Every recipe's config blocks pass the checker on every release the recipe applies to, and a misspelt
// parameter in ANY block fails with the recipe's file name and the line of the mistake.
import { createMarkdownProcessor } from '@astrojs/markdown-remark';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitFrontMatter } from '../../src/lib/content-lint/index.ts';
import { remarkCheckConfig } from '../../src/markdown/remark-check-config.ts';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import { realFacts, repoRoot } from '../support/content.ts';

const FENCE = /^\s*```\s*postfix-(main|master|policy)\b/;

async function render(file: string, source: string) {
  const processor = await createMarkdownProcessor({ remarkPlugins: [remarkCheckConfig({ facts: await realFacts() })], syntaxHighlight: false });
  const fm = splitFrontMatter(source)!;
  const { parse } = await import('yaml');
  return processor.render(fm.body, { frontmatter: parse(fm.yaml), fileURL: pathToFileURL(join(repoRoot, file)) });
}

describe('recipe config blocks', async () => {
  const { content } = await loadContentDir(repoRoot);
  const recipes = content.recipes.map((r) => ({ file: r.doc.file, source: readFileSync(join(repoRoot, r.doc.file), 'utf8') }));
  beforeAll(() => expect(recipes.length).toBeGreaterThan(0));

  for (const { file, source } of recipes) {
    it(`${file}: every block passes the checker as declared`, async () => {
      await expect(render(file, source)).resolves.toBeTruthy();
    });

    it(`${file}: a misspelt parameter in any block fails, naming the file and line`, async () => {
      const facts = await realFacts();
      const known = new Set([...facts.parameters.keys(), ...facts.nonTlsParameterNames]);
      const lines = source.split('\n');
      const fences = lines.flatMap((l, i) => (FENCE.test(l) ? [i] : []));
      expect(fences.length).toBeGreaterThan(0);
      for (const fence of fences) {
        // First line in the block that sets a real Postfix parameter, TLS or not (`name = value` in main.cf,
        // `-o name=value` in master.cf).
        const assigned = (l: string) => /^(?:\s*-o\s+)?([a-z][A-Za-z0-9_]*)\s*=/.exec(l)?.[1];
        const target = lines.findIndex((l, i) => i > fence && known.has(assigned(l) ?? ''));
        const end = lines.findIndex((l, i) => i > fence && /^\s*```\s*$/.test(l));
        if (target < 0 || target > end) continue; // a block without parameters (policy table) has nothing to misspell
        const broken = [...lines];
        broken[target] = broken[target]!.replace(/([a-z][A-Za-z0-9_]*)(\s*=)/, '$1x$2');
        await expect(render(file, broken.join('\n'))).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}:${target + 1}: .*unknown-parameter`));
      }
    });
  }
});
