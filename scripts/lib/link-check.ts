// Finds broken internal links in a built site: every href/src that stays on the site must name an existing
// page or file, and every #fragment must name an id on the target page.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface BrokenLink {
  page: string;
  href: string;
  reason: string;
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html')).map((f) => join(dir, f));
}

export function resolveTarget(dist: string, path: string): string | undefined {
  const file = join(dist, decodeURIComponent(path));
  if (existsSync(file) && statSync(file).isFile()) return file;
  const index = join(file, 'index.html');
  return existsSync(index) ? index : undefined;
}

const idsCache = new Map<string, Set<string>>();
function idsOf(file: string): Set<string> {
  let ids = idsCache.get(file);
  if (!ids) {
    ids = new Set([...readFileSync(file, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
    idsCache.set(file, ids);
  }
  return ids;
}

export function findBrokenLinks(dist: string): { pages: number; links: number; broken: BrokenLink[] } {
  idsCache.clear();
  const broken: BrokenLink[] = [];
  const pages = htmlFiles(dist);
  let links = 0;
  for (const file of pages) {
    const html = readFileSync(file, 'utf8');
    const page = '/' + relative(dist, file).replace(/index\.html$/, '');
    for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const raw = m[1]!.replaceAll('&amp;', '&');
      if (/^(?:[a-z]+:|\/\/)/i.test(raw) || raw === '') continue; // other schemes and sites are not ours to check
      links++;
      const url = new URL(raw, `http://site${page}`);
      const target = resolveTarget(dist, url.pathname);
      if (!target) { broken.push({ page, href: raw, reason: 'no such page or file' }); continue; }
      const fragment = decodeURIComponent(url.hash.slice(1));
      if (fragment && target.endsWith('.html') && !idsOf(target).has(fragment)) {
        broken.push({ page, href: raw, reason: `no element with id "${fragment}"` });
      }
    }
  }
  return { pages: pages.length, links, broken };
}
