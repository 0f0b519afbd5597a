// Defaults that upstream changed in patch releases and back-ported to older lines: the lookup, the wording on
// reference pages, and postfix-tls defaults.
import { describe, expect, it } from 'vitest';
import { releaseDefaults } from '../../src/lib/defaults.ts';
import { rawDefaultAt, reached, resolveVersion, statusAt } from '../../src/lib/facts.ts';
import { defaultRows } from '../../src/lib/release-ranges.ts';
import type { Parameter, Release } from '../../src/lib/schema/index.ts';
import { testFacts } from '../fixtures/facts.ts';

const OLD = '${tlsproxy_client_level:$smtp_tls_security_level}';
const FIXED = '${tlsproxy_client_level?{$tlsproxy_client_level}:{$smtp_tls_security_level}}';
const level: Parameter = {
  name: 'tlsproxy_client_security_level', role: 'tlsproxy', type: 'enum', since: '3.7',
  defaults: [{ from: '3.7', value: OLD }, { from: '3.10.4', backported: ['3.7.16', '3.8.11', '3.9.5'], value: FIXED }],
  related: [], summary: 'x'.repeat(10), description: 'x'.repeat(20), pitfalls: [], example: 'x = y', example_file: 'main.cf', sources: ['mail_params.h'],
};
const releases: Release[] = ['3.6', '3.7', '3.8', '3.9', '3.10', '3.11'].map((version, i) => ({ version, date: `202${i}-01-01`, latest: `${version}.9`, supported: true }));

describe('patch-release defaults', () => {
  it('applies a back-port from its patch release to the end of its line only', () => {
    expect(rawDefaultAt(level, '3.7.15')?.value).toBe(OLD);
    expect(rawDefaultAt(level, '3.7.16')?.value).toBe(FIXED);
    expect(rawDefaultAt(level, '3.7.22')?.value).toBe(FIXED);
    expect(rawDefaultAt(level, '3.8.0')?.value).toBe(OLD);
    expect(rawDefaultAt(level, '3.8.11')?.value).toBe(FIXED);
    expect(rawDefaultAt(level, '3.10.3')?.value).toBe(OLD);
    expect(rawDefaultAt(level, '3.10.4')?.value).toBe(FIXED);
    expect(rawDefaultAt(level, '3.11.0')?.value).toBe(FIXED);
    expect(rawDefaultAt(level, '3.6.20')).toBeUndefined();
    expect(reached('3.9.4', '3.10.4', ['3.9.5'])).toBe(false);
  });

  it('honours since_backported for availability', () => {
    const p: Parameter = { ...level, since: '3.8.1', since_backported: ['3.5.20'], defaults: [{ from: '3.8.1', backported: ['3.5.20'], value: 'default' }] };
    expect(statusAt(p, '3.5.19')).toBe('not-yet');
    expect(statusAt(p, '3.5.20')).toBe('available');
    expect(statusAt(p, '3.6.0')).toBe('not-yet');
    expect(statusAt(p, '3.8.0')).toBe('not-yet');
    expect(statusAt(p, '3.8.1')).toBe('available');
  });

  it('reads a line on its own as its newest patch release', () => {
    const facts = testFacts();
    expect(resolveVersion(facts, '3.7')).toBe('3.7.9');
    expect(resolveVersion(facts, '3.7.2')).toBe('3.7.2');
    expect(resolveVersion(facts, '9.9')).toBeUndefined();
    expect(resolveVersion(facts, '3.7.x')).toBeUndefined();
  });

  it('words the ranges for readers, naming back-ports and the releases they take over', () => {
    const rows = defaultRows(level, releases);
    expect(rows.map((r) => r.range)).toEqual(['3.7 – 3.10.3', '3.10.4 and later']);
    expect(rows[0]!.except).toEqual([
      '3.7.16 and later patch releases of 3.7', '3.8.11 and later patch releases of 3.8', '3.9.5 and later patch releases of 3.9',
    ]);
    expect(rows[1]!.alsoIn).toEqual(rows[0]!.except);
    const plain: Parameter = { ...level, defaults: [{ from: '3.7', value: 'a' }, { from: '3.9', value: 'b' }] };
    expect(defaultRows(plain, releases).map((r) => r.range)).toEqual(['3.7 – 3.8', '3.9 and later']);
  });

  it('prints postconf -d lines for a release, sorted as postconf sorts them', () => {
    const facts = testFacts({ parameters: [level] });
    const early = releaseDefaults(facts, { postfix: '3.7.15', names: ['tlsproxy_client_security_level'] });
    expect(early.lines).toEqual([`tlsproxy_client_security_level = ${OLD}`]);
    expect(releaseDefaults(facts, { postfix: '3.7.16', names: ['tlsproxy_client_security_level'] }).lines).toEqual([`tlsproxy_client_security_level = ${FIXED}`]);
    const all = releaseDefaults(facts, { postfix: '3.7' }).lines;
    expect(all).toEqual([...all].sort((a, b) => (a < b ? -1 : 1)));
    expect(releaseDefaults(facts, { postfix: '3.6', names: ['tlsproxy_client_security_level', 'no_such_name'] }).warnings).toEqual([
      'no_such_name: unknown parameter', 'tlsproxy_client_security_level: not a parameter of Postfix 3.6.9 (new in 3.7)',
    ]);
    expect(() => releaseDefaults(facts, { postfix: '1.0' })).toThrow(/unknown Postfix release "1.0"/);
  });
});
