/**
 * Builds the published CLI, build/postfix-tls.cjs: one plain-JavaScript file (CommonJS, for Node 20 and later)
 * that holds the CLI (src/cli/), the engine (src/lib/) and the engine's facts from content/ as one JSON string.
 * The installed package runs only this file, through bin/postfix-tls.cjs, which keeps V8's compiled code of it
 * between runs. `npm pack` runs this script (prepack), and so do the tests that exercise the package.
 *
 *   node scripts/build-cli.ts     prints the bundle's path and size
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { formatProblem } from '../src/lib/content-lint/index.ts';
import { engineFactsData, factsDataFromContent } from '../src/lib/facts.ts';
import { loadContentDir } from '../src/lib/content-lint/content-dir.ts';
import { publishedSite } from './lib/published-site.ts';

const root = resolve(import.meta.dirname, '..');
export const bundlePath = join(root, 'build', 'postfix-tls.cjs');

/** Builds the bundle into `outfile` (default build/postfix-tls.cjs; tests build their own copy elsewhere). */
export async function buildCli(outfile = bundlePath): Promise<{ path: string; bytes: number; factsBytes: number }> {
  const { content, problems } = await loadContentDir(root);
  if (problems.length > 0) {
    throw new Error(`content has ${problems.length} problem(s); the CLI is not built from invalid facts:\n${problems.slice(0, 5).map(formatProblem).join('\n')}`);
  }
  const facts = JSON.stringify(engineFactsData(factsDataFromContent(content)));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  // The facts travel as a string literal that JSON.parse reads: V8 parses JSON text faster than an object literal.
  const entry = `import { runPackaged } from './src/cli/bundle.ts';\n`
    + `runPackaged(${JSON.stringify(facts)}, ${JSON.stringify(version)}, ${JSON.stringify(publishedSite())});\n`;
  await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'postfix-tls-entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    // CommonJS: the launcher compiles it with vm.Script, the one way to reuse V8's code cache on Node 20.
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    outfile,
    logLevel: 'warning',
  });
  return { path: outfile, bytes: statSync(outfile).size, factsBytes: facts.length };
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  try {
    const r = await buildCli();
    // On stderr: `npm pack --json` runs this as prepack, and its stdout must stay JSON.
    console.error(`${r.path}: ${(r.bytes / 1024).toFixed(0)} KiB (facts ${(r.factsBytes / 1024).toFixed(0)} KiB)`);
  } catch (e) {
    console.error(`build-cli: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
