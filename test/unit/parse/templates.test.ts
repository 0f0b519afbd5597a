import { describe, expect, it } from 'vitest';
import { parseMainCf } from '../../../src/lib/parse/main-cf.ts';
import { parseMasterCf } from '../../../src/lib/parse/master-cf.ts';
import { branchImplies, PLACEHOLDER, placeholderKey, scanTemplates } from '../../../src/lib/parse/templates.ts';

describe('template scanner', () => {
  it('finds Jinja, ERB, Go, %{x}, %x, PH_* and __X__ placeholders, keeping columns', () => {
    const text = 'a = {{ x }}\nb = <%= @y %>\nc = {{ .Z }}\nd = %{w}\ne = %host_name\nf = PH_FOO\ng = __BAR__\n';
    const scan = scanTemplates(text);
    expect(scan.placeholders.map((p) => p.syntax)).toEqual(['jinja', 'erb', 'go', 'percent', 'percent', 'ph-token', 'dunder']);
    expect(scan.text.split('\n')[0]).toBe(`a = ${PLACEHOLDER.repeat(7)}`);
  });

  it('leaves Postfix ${{...}} expressions alone', () => {
    expect(scanTemplates('x = ${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}\n').placeholders).toEqual([]);
  });

  it('blanks comments and control tags on their own lines, including multi-line tags', () => {
    const scan = scanTemplates('{% if a and\n   b %}\nx = 1\n{# note\n y = 2 #}\n{% endif %}\n');
    expect(scan.text.split('\n').map((l) => l.trim())).toEqual(['', '', 'x = 1', '', '', '', '']);
  });

  it('gives if/else branches different paths so they are not duplicates', () => {
    const scan = scanTemplates('{% if a %}\nx = 1\n{% else %}\nx = 2\n{% endif %}\nx = 3\n');
    const [b1, b2, b3] = [scan.branches[1] ?? [], scan.branches[3] ?? [], scan.branches[5] ?? []];
    expect(branchImplies(b1, b2)).toBe(false);
    expect(branchImplies(b1, b3)).toBe(true);
  });

  it('cuts a %{flag} line prefix and maps columns back', () => {
    const m = parseMainCf('%{dovecot_enabled}smtpd_sasl_auth_enable = yes\n%{dovecot_enabled}virtual_alias_maps =\n%{dovecot_enabled}    proxy:x\n');
    expect(m.assignments.map((a) => [a.name, a.value, a.column])).toEqual([['smtpd_sasl_auth_enable', 'yes', 19], ['virtual_alias_maps', 'proxy:x', 19]]);
  });

  it('reads salt-style set_parameter() macro lines as assignments', () => {
    const [a] = parseMainCf("{{ set_parameter('smtpd_tls_cert_file', '/etc/ssl/certs/x.pem') }}\n").assignments;
    expect(a).toMatchObject({ name: 'smtpd_tls_cert_file', value: '/etc/ssl/certs/x.pem', viaMacro: true, column: 19 });
  });

  it('skips templated master.cf lines without inventing field errors', () => {
    const m = parseMasterCf('<%= @master_smtp %>\n<%= listen %>:smtp inet n - <%= @jail %> - - smtpd\n');
    expect(m.problems).toEqual([]);
    expect(m.services[0]?.name.raw).toBe('<%= listen %>:smtp');
  });

  it('normalises placeholder text for "report once"', () => {
    expect(placeholderKey('{{ x }}')).toBe(placeholderKey('{{-x-}}'));
  });
});
