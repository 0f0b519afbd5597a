import { describe, expect, it } from 'vitest';
import { check } from '../../../src/lib/check.ts';
import type { FileKind } from '../../../src/lib/engine-types.ts';
import { ruleById, rules } from '../../../src/lib/rules/index.ts';
import { testFacts } from '../../fixtures/facts.ts';
import { caseNames, loadCase } from '../../fixtures/rule-cases.ts';
import { severityPolicy } from '../../../src/lib/rules/severity-policy.ts';

/** The site builds /rules/<id>/ from this metadata, so it has to be complete and its examples true. */
const facts = testFacts();

/** Examples that need context a snippet cannot carry (a stated release, elided fingerprints). */
const versionOf = (text: string) => /^# Postfix (\d+\.\d+)/m.exec(text)?.[1];
const notRunnable = new Set(['fingerprint-digest-mismatch', 'template-placeholder', 'policy-key-never-matches']);
const fileName: Record<FileKind, string> = { main: 'main.cf', master: 'master.cf', policy: 'tls_policy' };

describe('rule metadata', () => {
  it('has unique kebab-case ids', () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(ruleById.get('unknown-parameter')).toBeDefined();
  });

  for (const rule of rules) {
    it(`${rule.id}: title, severity, description and a bad/good example`, () => {
      expect(rule.title.length).toBeGreaterThan(5);
      expect(['error', 'warning', 'info']).toContain(rule.severity);
      expect(rule.description.length).toBeGreaterThan(100);
      expect(rule.example.bad).not.toBe(rule.example.good);
      if (notRunnable.has(rule.id)) return;
      const run = (text: string) => check({
        facts, postfix: versionOf(text),
        files: [{ name: fileName[rule.example.file], kind: rule.example.file, text }],
      }).filter((f) => f.rule === rule.id);
      expect(run(rule.example.bad).length, 'the bad example should trigger the rule').toBeGreaterThan(0);
      expect(run(rule.example.good), 'the good example should not trigger the rule').toEqual([]);
    });
  }
});

/**
 * The severity policy (src/lib/rules/severity-policy.ts, printed on /rules/): an error means mail certainly
 * fails or a secret is certainly exposed, and says so. Each error rule states its consequence in its metadata,
 * and every error finding of every fixture names what happens in its message.
 */
const consequenceWords = /\b(fail|fails|failed|defer|deferred|defers|bounce|bounces|refuse|refused|refuses|reject|rejects|stops?|plaintext|disables?|never|cannot|no TLS|outage|exposed?|invalid)\b/i;

describe('severity policy', () => {
  it('describes every severity', () => {
    for (const s of ['error', 'warning', 'info'] as const) expect(severityPolicy[s].meaning.length).toBeGreaterThan(40);
  });

  for (const rule of rules) {
    it(`${rule.id}: ${rule.severity === 'error' ? 'states the certain consequence' : 'makes no error-level claim'}`, () => {
      if (rule.severity === 'error') {
        expect(rule.consequence, 'an error rule needs a consequence').toBeDefined();
        expect(rule.consequence ?? '').toMatch(consequenceWords);
      } else {
        expect(rule.consequence, 'only error rules carry a consequence').toBeUndefined();
      }
    });
  }

  it('every error finding of the fixtures says what happens', () => {
    for (const name of caseNames()) {
      const c = loadCase(name);
      const findings = check({ files: c.files, facts, postfix: c.options.postfix, compatibilityLevel: c.options.compat });
      for (const f of findings.filter((x) => x.severity === 'error')) expect(f.message, `${name}: ${f.rule}`).toMatch(consequenceWords);
    }
  });
});
