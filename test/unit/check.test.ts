import { describe, expect, it } from 'vitest';
import { analyze, check, optionProblems } from '../../src/lib/check.ts';
import { testFacts } from '../fixtures/facts.ts';

const facts = testFacts();

describe('check()', () => {
  it('returns findings with the documented shape, sorted by file order, line and column', () => {
    const findings = check({
      facts,
      files: [
        { name: 'master.cf', kind: 'master', text: 'submission inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes\n' },
        { name: 'main.cf', kind: 'main', text: 'smtpd_tls_mandatory_protocols = !SSLv2\nsmtpd_use_tls = yes\n' },
      ],
    });
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(Object.keys(f)).toEqual(['file', 'line', 'column', 'severity', 'rule', 'parameter', 'message', 'fix', 'docs']);
      expect(f.docs).toBe(`/rules/${f.rule}/`);
      expect(['error', 'warning', 'info']).toContain(f.severity);
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.fix.length).toBeGreaterThan(3);
    }
    const order = findings.map((f) => [f.file === 'master.cf' ? 0 : 1, f.line, f.column]);
    expect(order).toEqual([...order].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0)));
  });

  it('targets the newest release by default', () => {
    // A line on its own means its newest patch release (the fixture's releases end in .9).
    expect(analyze({ facts, files: [] }).config.version).toBe('3.11.9');
    expect(analyze({ facts, files: [], postfix: '3.4' }).config.version).toBe('3.4.9');
    expect(analyze({ facts, files: [], postfix: '3.4.2' }).config.version).toBe('3.4.2');
  });

  it('checks options and explains what is wrong', () => {
    expect(optionProblems({ facts, postfix: '9.9' })[0]).toMatch(/unknown Postfix release "9.9"/);
    expect(optionProblems({ facts, compatibilityLevel: 'high' })[0]).toMatch(/not a compatibility_level/);
    expect(() => check({ facts, files: [], postfix: '9.9' })).toThrow(RangeError);
  });

  it('never throws on hostile input', () => {
    const junk = ['{{', '{%', '<%', '${', '$(', '\u2013o', '\uFEFF', '-o', '{ a = ', ']:25', '\u0000', '\\'].join('\n');
    expect(() => check({ facts, files: [{ name: 'm', kind: 'main', text: junk }, { name: 'x', kind: 'master', text: junk }, { name: 'p', kind: 'policy', text: junk }] })).not.toThrow();
  });
});
