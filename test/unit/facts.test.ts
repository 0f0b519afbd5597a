import { describe, expect, it } from 'vitest';
import { effectiveDefault, statusAt } from '../../src/lib/facts.ts';
import type { Parameter } from '../../src/lib/schema/index.ts';
import { compareVersions } from '../../src/lib/versions.ts';

const digest: Parameter = {
  name: 'smtp_tls_fingerprint_digest', role: 'smtp', type: 'enum', since: '2.5',
  defaults: [
    { from: '2.5', value: 'md5' },
    { from: '3.6', value: '${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}', compat: [{ below: '3.6', value: 'md5' }] },
  ],
  deprecated: { since: '3.9', replacement: ['smtp_tls_security_level'] },
  related: [], summary: 'x'.repeat(10), description: 'x'.repeat(20), pitfalls: [], example: 'x = y', example_file: 'main.cf', sources: ['postconf(5)'],
};

describe('versions and defaults', () => {
  it('orders 3.10 after 3.9', () => {
    expect(compareVersions('3.10', '3.9')).toBeGreaterThan(0);
    expect(compareVersions('2.11', '3.0')).toBeLessThan(0);
  });
  it('resolves compatibility-level defaults', () => {
    expect(effectiveDefault(digest, '3.5', '3.6')).toBe('md5');
    expect(effectiveDefault(digest, '3.7', '2')).toBe('md5');
    expect(effectiveDefault(digest, '3.7', '3.6')).toBe('sha256');
    expect(effectiveDefault(digest, '2.4', '0')).toBeUndefined();
  });
  it('computes status by release', () => {
    expect(statusAt(digest, '2.4')).toBe('not-yet');
    expect(statusAt(digest, '3.8')).toBe('available');
    expect(statusAt(digest, '3.10')).toBe('deprecated');
  });
});
