import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/lib/check.ts';
import type { Finding } from '../../src/lib/engine-types.ts';
import { factsDataFromContent, factsFromData, type Facts } from '../../src/lib/facts.ts';
import { loadContentDir } from '../../scripts/lib/content-files.ts';
import { caseNames, loadCase } from '../fixtures/rule-cases.ts';
import { corpusDir, corpusProjects, mustNot, pins } from './corpus-expectations.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const corpus = resolve(repoRoot, corpusDir);

let facts: Facts;
const results = new Map<string, Finding[]>();
const texts = new Map<string, string[]>();

beforeAll(async () => {
  const { content } = await loadContentDir(repoRoot);
  facts = factsFromData(factsDataFromContent(content));
  for (const [project, files] of Object.entries(corpusProjects)) {
    const inputs = files.map((f) => {
      const name = `${project}/${f.path}`;
      const text = readFileSync(join(corpus, project, f.path), 'utf8');
      texts.set(name, text.replace(/^\uFEFF/, '').split('\n'));
      return { name, kind: f.kind, text };
    });
    results.set(project, check({ files: inputs, facts }));
  }
}, 60_000);

const all = () => [...results.values()].flat();

describe('corpus', () => {
  it('classifies every corpus file', () => {
    const onDisk = readdirSync(corpus, { withFileTypes: true }).filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(corpus, d.name)).map((f) => `${d.name}/${f}`)).sort();
    const listed = Object.entries(corpusProjects).flatMap(([p, fs]) => fs.map((f) => `${p}/${f.path}`)).sort();
    expect(listed).toEqual(onDisk);
  });

  it('positions every finding inside its file', () => {
    for (const f of all()) {
      const lines = texts.get(f.file);
      expect(lines, f.file).toBeDefined();
      expect(f.line, `${f.file}:${f.line}`).toBeGreaterThanOrEqual(1);
      expect(f.line, `${f.file}:${f.line}`).toBeLessThanOrEqual(lines?.length ?? 0);
      expect(f.column, `${f.file}:${f.line}:${f.column}`).toBeLessThanOrEqual((lines?.[f.line - 1] ?? '').length + 1);
    }
  });

  for (const pin of pins) {
    it(`finds ${pin.rule} at ${pin.file}:${pin.line} (${pin.why})`, () => {
      const hit = all().find((f) => f.file === pin.file && f.line === pin.line && f.rule === pin.rule);
      expect(hit, JSON.stringify(pin)).toBeDefined();
      expect(hit?.severity).toBe(pin.severity);
      if (pin.parameter !== undefined) expect(hit?.parameter).toBe(pin.parameter);
    });
  }

  for (const m of mustNot) {
    it(`does not report ${m.rule ?? 'anything'} at ${m.file}${m.line ? `:${m.line}` : ''} (${m.why})`, () => {
      const hits = all().filter((f) => (m.file === '*' || f.file === m.file) && (m.line === undefined || f.line === m.line)
        && (m.rule === undefined || f.rule === m.rule) && f.rule !== 'template-placeholder');
      expect(hits).toEqual([]);
    });
  }

  it('reports no error that a reviewer has not pinned', () => {
    const unpinned = all().filter((f) => f.severity === 'error' && !pins.some((p) => p.file === f.file && p.line === f.line && p.rule === f.rule));
    expect(unpinned.map((f) => `${f.file}:${f.line} ${f.rule} ${f.message}`)).toEqual([]);
  });

  it('reports each template placeholder once per file', () => {
    const placeholders = all().filter((f) => f.rule === 'template-placeholder');
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
