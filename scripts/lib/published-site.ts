import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/**
 * The site's published URL, from astro.config.mjs `site` when it declares one; the CLI then prints absolute
 * docs links (https://.../rules/x/) instead of site paths (/rules/x/).
 */
export function publishedSite(): string | undefined {
  const config = readFileSync(join(root, 'astro.config.mjs'), 'utf8');
  return /^\s*site:\s*['"](https?:\/\/[^'"]+)['"]/m.exec(config)?.[1];
}
