// Compares each parameter's `since` and defaults in content/parameters/ with the upstream release history
// (test/oracle/postfix-history.tar.xz: mail_params.h of every release) and prints what differs, as the
// entries the history implies. With --write it rewrites `since`, `since_backported` and `defaults` in
// the YAML files (compatibility_level annotations are kept with their value); review the diff after.
//   node scripts/derive-defaults.ts [--write] [NAME...]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { loadContentDir } from '../src/lib/content-lint/content-dir.ts';
import { deriveEntries, type ReleaseValue } from './lib/history-entries.ts';
import { historyDefaults, historyExceptions } from './lib/history-oracle.ts';

const root = resolve(import.meta.dirname, '..');
const write = process.argv.includes('--write');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const { content } = await loadContentDir(root);
const history = historyDefaults();
const exceptions = historyExceptions();
let differing = 0;

for (const { value: p } of content.parameters) {
  if (only.length && !only.includes(p.name)) continue;
  if (exceptions.has(p.name)) continue;
  const values = new Map<string, ReleaseValue>([...history.releases].map((r) => [r, history.valueOf(p.name, r)]));
  if ([...values.values()].every((v) => v === undefined)) continue;
  const derived = deriveEntries(values);
  const current = { since: p.since, since_backported: p.since_backported, defaults: p.defaults.map(({ from, value, backported }) => ({ from, value, ...(backported ? { backported } : {}) })) };
  const proposed = { since: derived.since, since_backported: derived.since_backported, defaults: derived.defaults };
  if (JSON.stringify(current) === JSON.stringify(proposed)) continue;
  differing++;
  console.log(`\n${p.name}${derived.removed ? ` (history: gone from ${derived.removed}; data: ${p.removed?.since ?? 'not removed'})` : ''}`);
  console.log(`  data:    since ${p.since}${p.since_backported ? ` +${p.since_backported}` : ''}`);
  for (const d of p.defaults) console.log(`           ${d.from}${d.backported ? ` +[${d.backported.join(', ')}]` : ''}: ${JSON.stringify(d.value)}${d.compat ? ' (compat)' : ''}`);
  console.log(`  history: since ${derived.since}${derived.since_backported ? ` +${derived.since_backported}` : ''}`);
  for (const d of derived.defaults) console.log(`           ${d.from}${d.backported ? ` +[${d.backported.join(', ')}]` : ''}: ${JSON.stringify(d.value)}`);
  if (!write) continue;
  const file = join(root, 'content/parameters', `${p.name}.yaml`);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.set('since', derived.since);
  if (derived.since_backported) doc.set('since_backported', derived.since_backported); else doc.delete('since_backported');
  doc.set('defaults', derived.defaults.map((d) => {
    const compat = p.defaults.find((x) => x.value === d.value)?.compat;
    return { from: d.from, ...(d.backported ? { backported: d.backported } : {}), value: d.value, ...(compat ? { compat } : {}) };
  }));
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
}
console.log(`\n${differing} parameter(s) differ from the history${write ? ' (rewritten)' : ''}`);
