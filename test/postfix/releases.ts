// Which real Postfix installations the postfix tier runs on: the distribution package plus every release of
// the matrix built by scripts/build-postfix-matrix.ts (the tier's global setup builds them first).
// POSTFIX_RELEASES="3.4,3.11,debian" narrows a local run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cachedReleases, distributionRelease, expectedVersions, selectReleases, type PostfixRelease } from '../../scripts/lib/postfix-matrix.ts';
import { compareVersions, lineOf } from '../../src/lib/versions.ts';
import { repoRoot } from '../support/content.ts';

export type { PostfixRelease };

let cache: PostfixRelease[] | undefined;

/** Every installation this run covers, built releases in version order and the distribution's last. */
export function testReleases(): PostfixRelease[] {
  if (!cache) {
    const dist = distributionRelease();
    cache = selectReleases([...cachedReleases(), ...(dist ? [dist] : [])]);
  }
  return cache;
}

/** The distribution package (Debian's), the default installation of a throwaway instance. */
export function distribution(): PostfixRelease | undefined {
  return testReleases().find((r) => r.distribution) ?? distributionRelease();
}

/** Releases the matrix should have but this run lacks (not built, or no sources), for loud messages. */
export function missingMatrixReleases(): string[] {
  const have = new Set(cachedReleases().map((r) => r.version));
  return selectReleases(expectedVersions().map((v) => ({ id: v, version: v, distribution: false }))).map((r) => r.version).filter((v) => !have.has(v));
}

/** A recipe's proof releases as its front matter names them: "3.4.29", "3.7.11-debian". */
export function recipeProofReleaseIds(slug: string): string[] {
  const text = readFileSync(join(repoRoot, 'content/recipes', `${slug}.md`), 'utf8');
  const front = parse(/^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '') as { proof?: { releases?: string[] } };
  return front.proof?.releases ?? [];
}

/**
 * The installations a recipe's proof runs on in this run: those its front matter names, narrowed by
 * POSTFIX_RELEASES. A release named there but not available makes the proof fail, except in a local run
 * whose POSTFIX_RELEASES leaves it out.
 */
export function proofReleases(slug: string): PostfixRelease[] {
  const ids = recipeProofReleaseIds(slug);
  const all = testReleases();
  const missing = ids.filter((id) => !all.some((r) => r.id === id));
  if (missing.length > 0 && !process.env.POSTFIX_RELEASES?.trim()) {
    throw new Error(`recipe ${slug} is proven on ${missing.join(', ')}, which this run does not have (build the matrix: node scripts/build-postfix-matrix.ts)`);
  }
  return ids.map((id) => all.find((r) => r.id === id)).filter((r): r is PostfixRelease => r !== undefined);
}

/** True when `release` is at least `version` ("3.6", "3.10.5"). */
export const atLeast = (release: PostfixRelease, version: string) => compareVersions(release.version, version) >= 0;

/** The release's line, "3.7". */
export const lineOfRelease = (release: PostfixRelease) => lineOf(release.version);
