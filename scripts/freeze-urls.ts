// Adds every page of the built site to test/e2e/published-urls.txt. URLs are only ever added: once
// published (pasted into support answers), a URL must keep resolving, through a redirect if renamed.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';

const dist = resolve('dist');
const listFile = resolve('test/e2e/published-urls.txt');
const header = '# Published URLs: each must keep resolving forever. Append with `npm run freeze:urls`; never delete.\n';
const existing = existsSync(listFile) ? readFileSync(listFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')) : [];
const pages = readdirSync(dist, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('index.html'))
  .map((f) => '/' + f.replace(/index\.html$/, ''))
  .filter((u) => !u.startsWith('/404'));
const all = [...new Set([...existing, ...pages])].sort();
writeFileSync(listFile, header + all.join('\n') + '\n');
console.log(`${all.length} published URLs (${all.length - existing.length} new)`);
