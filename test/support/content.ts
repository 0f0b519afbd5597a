import { resolve } from 'node:path';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import { factsDataFromContent, factsFromData, type Facts } from '../../src/lib/facts.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

let cached: Promise<Facts> | undefined;

/** The real content/ as Facts; fails loudly if the content does not lint clean. */
export function realFacts(): Promise<Facts> {
  cached ??= loadContentDir(repoRoot).then(({ content, problems }) => {
    if (problems.length) throw new Error(`content has ${problems.length} problem(s); run npm run lint:content`);
    return factsFromData(factsDataFromContent(content));
  });
  return cached;
}
