import { describe, expect, it } from 'vitest';
import { classifyPolicyKey, parsePolicyTable } from '../../../src/lib/parse/policy-table.ts';

describe('TLS policy table parser', () => {
  it('classifies lookup keys', () => {
    expect(['example.com', '.example.com', '[mx.example.com]', '[mx.example.com]:587', 'example.com:25', '/^x/'].map((k) => 'kind' in classifyPolicyKey(k) ? (classifyPolicyKey(k) as { kind: string }).kind : 'error'))
      .toEqual(['domain', 'subdomains', 'nexthop', 'nexthop-port', 'domain-port', 'regexp']);
    expect('error' in classifyPolicyKey('[mx.example.com')).toBe(true);
    expect('error' in classifyPolicyKey('[mx.example.com]:abc!')).toBe(true);
  });

  it('reads level and attributes with positions; attribute names are case-insensitive', () => {
    const [e] = parsePolicyTable('example.com\tsecure Match=nexthop:dot-nexthop protocols=!SSLv2:!SSLv3\n').entries;
    expect(e?.level).toMatchObject({ text: 'secure', line: 1, column: 13 });
    expect(e?.attributes.map((a) => [a.name, a.value, a.column, a.valueColumn])).toEqual([
      ['match', 'nexthop:dot-nexthop', 20, 26], ['protocols', '!SSLv2:!SSLv3', 46, 56],
    ]);
  });

  it('accepts { name = value } attributes and continuation lines', () => {
    const [e] = parsePolicyTable('example.com encrypt\n  { protocols = >=TLSv1.2 }\n').entries;
    expect(e?.attributes[0]).toMatchObject({ name: 'protocols', value: '>=TLSv1.2', line: 2 });
  });

  it('reports a missing level, spaced "=" once, and marks the entry malformed', () => {
    const t = parsePolicyTable('example.net\nexample.org secure match = nexthop\n');
    expect(t.problems.map((p) => [p.line, p.column])).toEqual([[1, 1], [2, 20]]);
    expect(t.entries[0]?.malformed).toBe(true);
  });
});
