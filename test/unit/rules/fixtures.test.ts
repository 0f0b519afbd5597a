import { describe, expect, it } from 'vitest';
import { check } from '../../../src/lib/check.ts';
import { rules } from '../../../src/lib/rules/index.ts';
import { testFacts } from '../../fixtures/facts.ts';
import { caseNames, loadCase } from '../../fixtures/rule-cases.ts';

/**
 * One folder per case under test/fixtures/rules (see rule-cases.ts). Folder names start with the rule id
 * they demonstrate; "clean--*" cases must produce nothing. Expectations are written by hand.
 */
const facts = testFacts();
const cases = caseNames().map(loadCase);

describe('rule fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const actual = check({ files: c.files, facts, postfix: c.options.postfix, compatibilityLevel: c.options.compat })
        .map((f) => ({ file: f.file, line: f.line, column: f.column, severity: f.severity, rule: f.rule, parameter: f.parameter }));
      expect(actual).toEqual(c.expected);
    });
  }
});

describe('every rule has its fixture', () => {
  for (const rule of rules) {
    it(rule.id, () => {
      const own = cases.filter((c) => c.name === rule.id || c.name.startsWith(`${rule.id}--`));
      expect(own.length, `test/fixtures/rules/${rule.id}/ is missing`).toBeGreaterThan(0);
      expect(own.some((c) => c.expected.some((e) => e.rule === rule.id)), `no fixture of ${rule.id} expects the rule to fire`).toBe(true);
    });
  }
});
