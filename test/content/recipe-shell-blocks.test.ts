// Shell commands are checked like config blocks: every ```sh/bash/console/shell block in a recipe is either
// run verbatim by a proof test (the block has id="...", and a test under test/postfix/recipes/ calls
// shellBlock('<slug>', '<id>') or runShellBlock('<slug>', '<id>', ...) with literal arguments), or marked
// not-run="reason" (shown on the page under the block). Checked statically, without running Postfix.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import { shellBlockProblems, shellBlocksOf } from '../../src/markdown/shell-blocks.ts';
import { repoRoot } from '../support/content.ts';

const proofDir = join(repoRoot, 'test/postfix/recipes');
const testSources = existsSync(proofDir)
  ? readdirSync(proofDir).filter((f) => f.endsWith('.test.ts')).map((f) => readFileSync(join(proofDir, f), 'utf8'))
  : [];

describe('recipe shell blocks', async () => {
  const { content } = await loadContentDir(repoRoot);
  const recipes = content.recipes.map((r) => ({ file: r.doc.file, slug: r.value.slug, source: readFileSync(join(repoRoot, r.doc.file), 'utf8') }));

  for (const { file, slug, source } of recipes) {
    it(`${file}: every shell block is run by the proof or marked not-run`, () => {
      expect(shellBlockProblems(file, slug, source, testSources)).toEqual([]);
    });
  }

  it('fails on an unmarked block, an unclaimed id, a reasonless mark and a claim the page lacks', () => {
    const page = ['```sh', 'postfix reload', '```', '```sh id="a"', 'postconf -n', '```', '```sh not-run=""', 'x', '```', ''].join('\n');
    const problems = shellBlockProblems('p.md', 's', page, ["shellBlock('s', 'b')"]);
    expect(problems).toEqual([
      expect.stringMatching(/^p\.md:1: shell block is neither run/),
      expect.stringMatching(/^p\.md:4: shell block id "a" is not run by any proof test/),
      expect.stringMatching(/^p\.md:7: not-run needs a reason/),
      expect.stringMatching(/^p\.md: a proof test runs shell block "b"/),
    ]);
    expect(shellBlockProblems('p.md', 's', page.replace('id="a"', 'id="b"').replace('not-run=""', 'not-run="needs a public DNS name"').replace('```sh\npostfix', '```sh not-run="changes the live system"\npostfix'), ["runShellBlock('s', 'b', {})"])).toEqual([]);
  });

  it('reads blocks inside list items without their indentation, and skips other languages', () => {
    const page = ['1. Step:', '', '   ```sh id="x"', '   postconf -e a=b', '   postfix reload', '   ```', '```text', 'not a command', '```', ''].join('\n');
    expect(shellBlocksOf(page)).toEqual([{ lang: 'sh', id: 'x', text: 'postconf -e a=b\npostfix reload\n', line: 3 }]);
  });

  it('reports the counts of run and marked blocks', () => {
    const all = recipes.flatMap((r) => shellBlocksOf(r.source));
    const run = all.filter((b) => b.notRun === undefined).length;
    console.log(`recipe shell blocks: ${all.length} in all, ${run} run by proofs, ${all.length - run} marked not-run`);
    expect(all.length).toBeGreaterThan(0);
  });
});
