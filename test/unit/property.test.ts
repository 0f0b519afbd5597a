import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/lib/check.ts';
import type { Position } from '../../src/lib/engine-types.ts';
import { parseMainCf } from '../../src/lib/parse/main-cf.ts';
import { parseMasterCf } from '../../src/lib/parse/master-cf.ts';
import { parsePolicyTable } from '../../src/lib/parse/policy-table.ts';
import { expandValue, findReferences } from '../../src/lib/parse/references.ts';
import { testFacts } from '../fixtures/facts.ts';

/**
 * Generated input, 100 000 cases in all: no parser or check ever throws, and every reported position is
 * inside the file. Inputs are built from the characters and tokens that matter to the parsers (braces,
 * $-references, template delimiters, look-alikes, line breaks) mixed with arbitrary strings.
 */
const facts = testFacts();

const tokens = [
  ' ', '  ', '\t', '\n', '\n', '\n  ', '\r\n', '=', ' = ', '#', '$', '${', '}', '{', '$(', ')', '?', ':', ',', '|', '!', '>=', '<=',
  '{{', '}}', '{%', '%}', '{#', '#}', '<%', '<%=', '%>', '-%>', '%{x}', '%host', 'PH_X', '__Y__',
  '\u2013', '\u2014', '\u00a0', '\u200b', '\u201c', '\uFEFF', '\uE000', '\u0000', '😀',
  '-o', '-o ', 'inet', 'unix', 'pass', 'fifo', 'unix-dgram', 'y', 'n', '-', '100', '60?', 'smtpd', 'smtp', 'postscreen',
  'smtpd_tls_security_level', 'smtp_tls_security_level', 'smtpd_tls_protocols', 'smtp_tls_mandatory_protocols', 'smtpd_use_tls',
  'smtpd_tls_wrappermode', 'smtpd_sasl_auth_enable', 'smtp_tls_policy_maps', 'smtpd_tls_chain_files', 'smtp_tls_fingerprint_cert_match',
  'may', 'encrypt', 'dane', 'dane-only', 'fingerprint', 'verify', 'secure', 'none', 'yes', 'no',
  'TLSv1', 'TLSv1.2', 'TLSv1.3', 'SSLv3', 'match=', 'protocols=', 'ciphers=', 'export', 'high',
  'example.com', '.example.com', '[mx.example.com]', '[mx.example.com]:587', 'submission', 'smtps', '127.0.0.1:10025',
  '3D:95:34:51:24:66:33:B9:D2:40:99:C0:C1:17:0B:D1', 'ssl-cert-snakeoil.pem', 'hash:/etc/postfix/x',
];
const chunk = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'grapheme' }) });
const text = (maxLength: number) => fc.array(chunk, { maxLength }).map((parts) => parts.join(''));

/** Lines that look like real configuration, so the rules (not only the parsers) get exercised. */
const names = tokens.filter((t) => /^[a-z]+_[a-z_]+$/.test(t)).concat(['smtpd_tls_mandatory_protocols', 'smtp_tls_fingerprint_digest', 'smtpd_tls_cert_file', 'smtpd_tls_key_file', 'smtp_dns_support_level', 'relayhost', 'compatibility_level', 'my_custom']);
const valueTok = fc.constantFrom('may', 'encrypt', 'dane', 'dane-only', 'fingerprint', 'secure', 'none', 'yes', 'no', '>=TLSv1.2', '!SSLv2, !SSLv3', 'TLSv1', 'TLSv1.3',
  'md5', 'sha256', 'dnssec', '3.6', '$my_custom', '${x?{y}}', '{{ v }}', 'hash:/etc/postfix/p', '/etc/ssl/certs/ssl-cert-snakeoil.pem', '', 'high', 'export');
const mainLine = fc.oneof(
  fc.tuple(fc.constantFrom(...names), fc.constantFrom(' = ', '=', ' =', '\u00a0= '), valueTok).map(([n, e, v]) => `${n}${e}${v}`),
  fc.constantFrom('# comment', '  continued', '{% if x %}', '{% else %}', '{% endif %}', ''),
);
const service = fc.tuple(fc.constantFrom('smtp', 'submission', 'smtps', 'submissions', '2525', '127.0.0.1:10025', 'relay', 'smtpd', 'qmgr', '{{ n }}'),
  fc.constantFrom('inet', 'unix', 'pass', 'fifo'), fc.constantFrom('n', '-', 'y'), fc.constantFrom('smtpd', 'smtp', 'lmtp', 'postscreen', 'qmgr', 'pipe'))
  .map(([n, t, p, c]) => `${n} ${t} ${p} - n - - ${c}`);
const override = fc.tuple(fc.constantFrom('-o ', '\u2013o ', '-o'), fc.constantFrom(...names), valueTok).map(([o, n, v]) => `  ${o}${n}=${v}`);
const masterLine = fc.oneof({ weight: 2, arbitrary: service }, { weight: 3, arbitrary: override }, { weight: 1, arbitrary: fc.constantFrom('# c', '<% end %>', '') });
const policyLine = fc.tuple(fc.constantFrom('example.com', '.example.com', '[mx.example.com]:587', 'EXAMPLE.com', '[bad'),
  fc.constantFrom('may', 'encrypt', 'dane-only', 'fingerprint', 'secure', 'MUST', 'none'),
  fc.array(fc.constantFrom('match=nexthop', 'match=3D:95:34:51:24:66:33:B9:D2:40:99:C0:C1:17:0B:D1', 'protocols=!SSLv2:!SSLv3', 'protocols=>=TLSv1.2', 'ciphers=low', 'tafile=/x', 'bogus=1', '!SSLv3'), { maxLength: 3 }))
  .map(([k, l, a]) => `${k}  ${l} ${a.join(' ')}`);
const lines = (line: fc.Arbitrary<string>, max: number) => fc.array(line, { maxLength: max }).map((ls) => ls.join('\n'));

function inside(src: string, positions: readonly Position[]): void {
  const lines = src.replace(/^\uFEFF/, '').split('\n');
  for (const p of positions) {
    expect(Number.isInteger(p.line) && Number.isInteger(p.column)).toBe(true);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lines.length);
    expect(p.column).toBeGreaterThanOrEqual(1);
    expect(p.column).toBeLessThanOrEqual((lines[p.line - 1] ?? '').length + 1);
  }
}

describe('generated input', { timeout: 60_000 }, () => {
  it('main.cf parser: 35 000 inputs', () => {
    fc.assert(fc.property(text(40), (src) => {
      const m = parseMainCf(src);
      inside(src, [...m.problems, ...m.assignments.flatMap((a) => [a, { line: a.valueLine, column: a.valueColumn }, a.positionOf(a.value.length - 1)]), ...m.view.placeholders, ...m.view.lookalikes]);
    }), { numRuns: 35_000 });
  });

  it('master.cf parser: 30 000 inputs', () => {
    fc.assert(fc.property(text(40), (src) => {
      const m = parseMasterCf(src);
      inside(src, [...m.problems, ...m.services.flatMap((s) => [s.name, s.type, s.command, ...s.args, ...s.overrides.flatMap((o) => [o, o.positionOf(0)])])]);
    }), { numRuns: 30_000 });
  });

  it('policy table parser: 20 000 inputs', () => {
    fc.assert(fc.property(text(30), (src) => {
      const t = parsePolicyTable(src);
      inside(src, [...t.problems, ...t.entries.flatMap((e) => [e.key, ...(e.level ? [e.level] : []), ...e.attributes.flatMap((a) => [a, a.positionOf(0)])])]);
    }), { numRuns: 20_000 });
  });

  it('references: 10 000 inputs', () => {
    fc.assert(fc.property(text(20), (src) => {
      const r = findReferences(src);
      for (const ref of r.refs) expect(ref.offset + ref.length).toBeLessThanOrEqual(src.length);
      expandValue(src, (n) => (n.length % 2 === 0 ? `$${n}x` : undefined));
    }), { numRuns: 10_000 });
  });

  it('check(): 5 000 sets of main.cf, master.cf and policy table', () => {
    const main = fc.oneof(lines(mainLine, 14), text(25));
    const master = fc.oneof(lines(masterLine, 14), text(25));
    const policy = fc.oneof(lines(policyLine, 5), text(15));
    fc.assert(fc.property(main, master, policy, fc.constantFrom(undefined, '2.4', '3.3', '3.5', '3.11'), (main, master, policy, postfix) => {
      const findings = check({
        facts, postfix,
        files: [{ name: 'main.cf', kind: 'main', text: main }, { name: 'master.cf', kind: 'master', text: master }, { name: 'tls_policy', kind: 'policy', text: policy }],
      });
      const byFile: Record<string, string> = { 'main.cf': main, 'master.cf': master, tls_policy: policy };
      for (const f of findings) inside(byFile[f.file] ?? '', [f]);
    }), { numRuns: 5_000 });
  });
});
