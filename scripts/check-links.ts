// Usage: node scripts/check-links.ts [dist]. Exit 1 when any internal link is broken.
import { resolve } from 'node:path';
import { findBrokenLinks } from './lib/link-check.ts';

const dist = resolve(process.argv[2] ?? 'dist');
const { pages, links, broken } = findBrokenLinks(dist);
for (const b of broken) console.error(`${b.page}: ${b.href}: ${b.reason}`);
console.log(`${pages} pages, ${links} internal links, ${broken.length} broken`);
process.exit(broken.length ? 1 : 0);
