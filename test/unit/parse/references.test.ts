import { describe, expect, it } from 'vitest';
import { expandValue, findReferences } from '../../../src/lib/parse/references.ts';

describe('$name references', () => {
  it('finds every form, including references inside conditional text', () => {
    const { refs } = findReferences('$a ${b} $(c) ${d?x} ${e:y} ${f?{$g}} ${h?{1}:{2}}');
    expect(refs.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  it('reports truncated references', () => {
    expect(findReferences('${a/x').truncated).toEqual([0]);
  });

  it('expands like Postfix and flags unknowns', () => {
    const vars: Record<string, string> = { a: 'A', empty: '', b: '$a-$a' };
    const look = (n: string) => vars[n];
    expect(expandValue('$b ${a?yes} ${empty?yes} ${empty:no} ${a?{1}:{2}} ${empty?{1}:{2}}', look)).toEqual({ text: 'A-A yes  no 1 2', unknown: false });
    expect(expandValue('$nope', look).unknown).toBe(true);
    expect(expandValue('${{$compatibility_level} <level {3.6} ? {a} : {b}}', look).unknown).toBe(true);
  });

  it('stops on reference loops', () => {
    expect(expandValue('$a', (n) => (n === 'a' ? '$a' : undefined)).unknown).toBe(true);
  });
});
