/**
 * postfix-tls inside a clone of the repository: the CLI of src/cli/ with the facts read from content/, so a
 * change to the data shows in the next run without a build. bin/postfix-tls.js runs this when src/ is there;
 * the installed package runs the bundle scripts/build-cli.ts makes instead.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { runCli } from '../src/cli/main.ts';
import { factsDataFromContent, factsFromData, type Facts, type FactsData } from '../src/lib/facts.ts';
import { publishedSite } from './lib/published-site.ts';

const projectRoot = resolve(import.meta.dirname, '..');
const contentDir = join(projectRoot, 'content');
const cacheFile = join(projectRoot, 'node_modules', '.cache', 'postfix-tls', 'facts.json');

/** Names, sizes and times of every content file: when none changed, the cached facts are still right. */
async function contentFingerprint(): Promise<string> {
  const entries = await readdir(contentDir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  const hash = createHash('sha256');
  for (const f of files) {
    const st = await stat(f);
    hash.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/**
 * Facts from content/. Validating ~250 YAML files takes a few hundred milliseconds, so the result is
 * cached under node_modules/.cache and reused while no content file changes.
 */
async function loadFacts(): Promise<Facts> {
  const key = await contentFingerprint().catch(() => undefined);
  if (key) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { key: string; data: FactsData };
      if (cached.key === key) return factsFromData(cached.data);
    } catch {
      // No cache yet, or unreadable: build it below.
    }
  }
  // Loaded on demand: the YAML and schema libraries are the slow part of starting up.
  const { loadContentDir } = await import('../src/lib/content-lint/content-dir.ts');
  const { content } = await loadContentDir(projectRoot);
  const data = factsDataFromContent(content);
  if (key) {
    await mkdir(dirname(cacheFile), { recursive: true }).then(() => writeFile(cacheFile, JSON.stringify({ key, data })), () => undefined).catch(() => undefined);
  }
  return factsFromData(data);
}

export async function run(argv: string[]): Promise<void> {
  const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  await runCli(argv, { facts: loadFacts, version, docsBase: publishedSite() });
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await run(process.argv.slice(2));
