import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/lib/engine-types.ts';
import { compareBlock, expectedRuleSpecs, type ConfigBlock } from '../../src/markdown/config-blocks.ts';

const finding = (rule: string): Finding => ({
  file: 'block', line: 2, column: 1, severity: 'warning', rule, parameter: null, message: 'm', fix: 'f', docs: `/rules/${rule}/`,
});
const block = (meta: string): ConfigBlock => ({ kind: 'main', text: 'x = y\n', expected: expectedRuleSpecs(meta), line: 10 });

describe('anti-pattern block expectations', () => {
  it('reads rule ids, with an optional first release', () => {
    expect(expectedRuleSpecs('title="x" expect="a-rule b-rule@3.9"')).toEqual([{ rule: 'a-rule' }, { rule: 'b-rule', from: '3.9' }]);
    expect(expectedRuleSpecs('expect=a-rule,b-rule')).toEqual([{ rule: 'a-rule' }, { rule: 'b-rule' }]);
    expect(expectedRuleSpecs('title="clean"')).toEqual([]);
  });

  it('requires rule@release from that release on, and forbids it before', () => {
    const b = block('expect="deprecated-parameter@3.9"');
    expect(compareBlock(b, [], '3.8')).toBeUndefined();
    expect(compareBlock(b, [finding('deprecated-parameter')], '3.9')).toBeUndefined();
    expect(compareBlock(b, [], '3.10')?.missing).toEqual(['deprecated-parameter']);
    expect(compareBlock(b, [finding('deprecated-parameter')], '3.8')?.unexpected.map((f) => f.rule)).toEqual(['deprecated-parameter']);
  });
});
