import { describe, expect, it } from 'vitest';
import { parseMainCf } from '../../../src/lib/parse/main-cf.ts';

const one = (text: string) => parseMainCf(text).assignments;

describe('main.cf parser', () => {
  it('reads spacing variants with exact positions', () => {
    const a = one('a=1\nb =2\nc= 3\n  \nd   =   4  \n');
    expect(a.map((x) => [x.name, x.value, x.line, x.column, x.valueLine, x.valueColumn])).toEqual([
      ['a', '1', 1, 1, 1, 3], ['b', '2', 2, 1, 2, 4], ['c', '3', 3, 1, 3, 4], ['d', '4', 5, 1, 5, 9],
    ]);
  });

  it('joins continuation lines with one space, across comment lines, and maps every character back', () => {
    const [a] = one('smtpd_tls_chain_files =\n    /k.pem,\n# note\n    /c.pem\n');
    expect(a?.value).toBe('/k.pem, /c.pem');
    expect(a?.positionOf(0)).toEqual({ line: 2, column: 5 });
    expect(a?.positionOf(a.value.indexOf('/c.pem'))).toEqual({ line: 4, column: 5 });
  });

  it('keeps an empty value and points after "="', () => {
    const [a] = one('relayhost =\n');
    expect(a).toMatchObject({ name: 'relayhost', value: '', valueLine: 1, valueColumn: 12 });
  });

  it('keeps $name, ${name}, ${name?value}, ${name:value} and ${name?{value}} forms as written', () => {
    const values = one('a = $x\nb = ${x}\nc = ${x?yes}\nd = ${x:no}\ne = ${x?{a b}}\nf = { a = b }\n').map((x) => x.value);
    expect(values).toEqual(['$x', '${x}', '${x?yes}', '${x:no}', '${x?{a b}}', '{ a = b }']);
  });

  it('keeps duplicates in file order', () => {
    expect(one('a = 1\na = 2\n').map((x) => x.value)).toEqual(['1', '2']);
  });

  it('does not treat "#" after a value as a comment (Postfix does not either)', () => {
    expect(one('a = may # note\n')[0]?.value).toBe('may # note');
  });

  it('reports positioned problems instead of throwing', () => {
    const { problems } = parseMainCf('  orphan = 1\nno equals here\n= value\nx = ${open\n');
    expect(problems.map((p) => [p.line, p.column])).toEqual([[1, 3], [2, 1], [3, 1], [4, 5]]);
  });

  it('handles CRLF line endings and a byte order mark', () => {
    const a = one('\uFEFFa = 1\r\nb = 2\r\n');
    expect(a.map((x) => [x.name, x.value, x.line, x.column])).toEqual([['a', '1', 1, 1], ['b', '2', 2, 1]]);
  });
});
