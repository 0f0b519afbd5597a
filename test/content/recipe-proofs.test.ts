// The link between a recipe page ("proven on Postfix X") and its real-Postfix test is data: the recipe's
// front matter names the test, and the test's describe() title names the recipe. Both directions checked.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import { repoRoot } from '../support/content.ts';

const proofDir = join(repoRoot, 'test/postfix/recipes');

describe('recipe proofs', async () => {
  const { content } = await loadContentDir(repoRoot);
  const recipes = content.recipes.map((r) => r.value);

  it('every recipe that claims a proof has a test file that names it', () => {
    const broken = recipes.filter((r) => r.proof).flatMap((r) => {
      const file = join(proofDir, `${r.proof!.test}.test.ts`);
      if (!existsSync(file)) return [`${r.slug}: no test/postfix/recipes/${r.proof!.test}.test.ts`];
      return readFileSync(file, 'utf8').includes(`recipe: ${r.slug}`) ? [] : [`${r.slug}: ${r.proof!.test}.test.ts does not name "recipe: ${r.slug}" in a describe title`];
    });
    expect(broken).toEqual([]);
  });

  it('every proof test belongs to a recipe that links back to it', () => {
    const files = existsSync(proofDir) ? readdirSync(proofDir).filter((f) => f.endsWith('.test.ts')) : [];
    const orphans = files.flatMap((f) => {
      const slugs = [...readFileSync(join(proofDir, f), 'utf8').matchAll(/recipe: ([a-z0-9-]+)/g)].map((m) => m[1]!);
      const test = f.replace(/\.test\.ts$/, '');
      if (slugs.length === 0) return [`${f}: names no recipe`];
      return slugs.filter((s) => recipes.find((r) => r.slug === s)?.proof?.test !== test).map((s) => `${f}: recipe ${s} does not set proof.test: ${test}`);
    });
    expect(orphans).toEqual([]);
  });
});
