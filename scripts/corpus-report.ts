// Precision of the checker on the project's corpus (test/corpus), per severity, from the reviewed verdicts in
// test/corpus/verdicts.yaml. Debatable findings are counted apart and left out of the precision.
// Run: npm run corpus-report [-- --list] (--list also prints every false and debatable finding).
import { resolve } from 'node:path';
import { loadContentDir } from '../src/lib/content-lint/content-dir.ts';
import { factsDataFromContent, factsFromData } from '../src/lib/facts.ts';
import { corpusProjects, judge, loadVerdicts, precisionBySeverity, runCorpus } from '../test/corpus/corpus.ts';

const root = resolve(import.meta.dirname, '..');
const { content } = await loadContentDir(root);
const facts = factsFromData(factsDataFromContent(content));
const { findings } = runCorpus(facts);
const { judged, unjudged, stale } = judge(findings, loadVerdicts());
const stats = precisionBySeverity(judged);

const files = Object.values(corpusProjects).flat().length;
const projects = new Set(Object.keys(corpusProjects).map((p) => p.split('__')[0])).size;
console.log(`Corpus: ${files} files, ${Object.keys(corpusProjects).length} deployments, ${projects} projects (owners); target: newest release, default compatibility_level.`);
console.log('');
console.log('severity  findings  true  false  debatable  precision');
for (const s of ['error', 'warning', 'info'] as const) {
  const x = stats[s];
  console.log(`${s.padEnd(9)} ${String(x.findings).padStart(8)} ${String(x.true).padStart(5)} ${String(x.false).padStart(6)} ${String(x.debatable).padStart(10)}  ${(x.precision * 100).toFixed(1).padStart(8)} %`);
}
const byRule = new Map<string, number>();
for (const f of findings) byRule.set(`${f.severity} ${f.rule}`, (byRule.get(`${f.severity} ${f.rule}`) ?? 0) + 1);
console.log('');
console.log('findings by rule:');
for (const [k, n] of [...byRule].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${k}`);
if (process.argv.includes('--list')) {
  for (const j of judged.filter((x) => x.verdict && x.verdict.verdict !== 'true')) {
    console.log(`${j.verdict?.verdict}: ${j.finding.file}:${j.finding.line} ${j.finding.rule}: ${j.verdict?.why}`);
  }
}
if (unjudged.length > 0 || stale.length > 0) {
  console.log('');
  console.log(`${unjudged.length} finding(s) without a verdict, ${stale.length} verdict(s) without a finding: update test/corpus/verdicts.yaml.`);
  for (const f of unjudged) console.log(`  new: ${f.file}:${f.line} ${f.rule} (${f.severity}) ${f.message}`);
  for (const v of stale) console.log(`  gone: ${v.file}:${v.line} ${v.rule}`);
  process.exitCode = 1;
}
