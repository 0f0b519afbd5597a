import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/lib/check.ts';
import type { Finding } from '../../src/lib/engine-types.ts';
import { factsDataFromContent, factsFromData, type Facts } from '../../src/lib/facts.ts';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import { caseNames, loadCase } from '../fixtures/rule-cases.ts';
import { corpusDir, corpusProjects, judge, loadVerdicts, precisionBySeverity, runCorpus, type Verdict } from '../corpus/corpus.ts';

/**
 * The corpus (test/corpus/, real configurations from public projects, sources in SOURCES.md) against the
 * reviewed verdicts in test/corpus/verdicts.yaml: every finding needs a verdict, every verdict a finding,
 * no error may be false and warnings must stay at least 95 % precise.
 */
const repoRoot = resolve(import.meta.dirname, '../..');

let facts: Facts;
let findings: Finding[] = [];
let lines = new Map<string, string[]>();
let verdicts: Verdict[] = [];

beforeAll(async () => {
  const { content } = await loadContentDir(repoRoot);
  facts = factsFromData(factsDataFromContent(content));
  ({ findings, lines } = runCorpus(facts));
  verdicts = loadVerdicts();
}, 60_000);

const show = (f: Finding) => `${f.file}:${f.line} ${f.rule} (${f.severity}): ${f.message}`;

describe('corpus', () => {
  it('lives in the repository: every deployment directory is listed, and nothing is read from outside', () => {
    const onDisk = readdirSync(corpusDir, { withFileTypes: true }).filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(corpusDir, d.name)).map((f) => `${d.name}/${f}`)).sort();
    const listed = Object.entries(corpusProjects).flatMap(([p, fs]) => fs.map((f) => `${p}/${f.path}`)).sort();
    expect(listed).toEqual(onDisk);
    expect(resolve(corpusDir).startsWith(repoRoot)).toBe(true);
  });

  it('names the source of every deployment in SOURCES.md', () => {
    const sources = readFileSync(join(corpusDir, 'SOURCES.md'), 'utf8');
    for (const [project, files] of Object.entries(corpusProjects)) {
      for (const f of files) expect(sources, `${project}/${f.path}`).toContain(`\`${project}/${f.path}\``);
    }
  });

  it('positions every finding inside its file', () => {
    for (const f of findings) {
      const text = lines.get(f.file);
      expect(text, f.file).toBeDefined();
      expect(f.line, `${f.file}:${f.line}`).toBeGreaterThanOrEqual(1);
      expect(f.line, `${f.file}:${f.line}`).toBeLessThanOrEqual(text?.length ?? 0);
      expect(f.column, `${f.file}:${f.line}:${f.column}`).toBeLessThanOrEqual((text?.[f.line - 1] ?? '').length + 1);
    }
  });

  it('has a reviewed verdict for every finding (a new finding needs one)', () => {
    expect(judge(findings, verdicts).unjudged.map(show)).toEqual([]);
  });

  it('has a finding for every verdict (a finding that disappears must lose its verdict)', () => {
    expect(judge(findings, verdicts).stale.map((v) => `${v.file}:${v.line} ${v.rule}`)).toEqual([]);
  });

  it('reports no false error, and warnings at least 95 % precise', () => {
    const { judged } = judge(findings, verdicts);
    expect(judged.filter((j) => j.finding.severity === 'error' && j.verdict?.verdict === 'false').map((j) => show(j.finding))).toEqual([]);
    expect(precisionBySeverity(judged).warning.precision).toBeGreaterThanOrEqual(0.95);
  });

  it('reports each template placeholder once per file', () => {
    const placeholders = findings.filter((f) => f.rule === 'template-placeholder');
    expect(placeholders.length).toBeGreaterThan(100);
    const keys = placeholders.map((f) => `${f.file}|${f.message}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('rule fixtures with the real content', () => {
  // The fixtures use hand-built facts; the same expectations must hold with content/, or the rules
  // assume something about the data that the data does not say.
  for (const name of caseNames()) {
    it(name, () => {
      const c = loadCase(name);
      const actual = check({ files: c.files, facts, postfix: c.options.postfix, compatibilityLevel: c.options.compat })
        .map((f) => ({ file: f.file, line: f.line, column: f.column, severity: f.severity, rule: f.rule, parameter: f.parameter }));
      expect(actual).toEqual(c.expected);
    });
  }
});
