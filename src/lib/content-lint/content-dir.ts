// Reading content/ from disk (Node only): the build, the lint script, the CLI build and the tests share it.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SourceFile } from './index.ts';
import { loadContent, type LoadResult } from './index.ts';

/** Reads every .yaml and .md file under `contentDir`, with paths relative to `root` using "/". */
export async function readContentFiles(root: string, contentDir: string): Promise<SourceFile[]> {
  const entries = await readdir(contentDir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile() && /\.(ya?ml|md)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return Promise.all(
    paths.map(async (p) => ({ file: relative(root, p).split(sep).join('/'), text: await readFile(p, 'utf8') })),
  );
}

/** Reads and validates the whole content folder. */
export async function loadContentDir(root: string, contentDir = join(root, 'content')): Promise<LoadResult> {
  const files = await readContentFiles(root, contentDir);
  return loadContent(files, relative(root, contentDir).split(sep).join('/'));
}
