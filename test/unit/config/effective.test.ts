import { describe, expect, it } from 'vitest';
import { buildEffectiveConfig } from '../../../src/lib/config/effective.ts';
import { clientTls, serverTls } from '../../../src/lib/config/tls-levels.ts';
import { parseMainCf } from '../../../src/lib/parse/main-cf.ts';
import { parseMasterCf } from '../../../src/lib/parse/master-cf.ts';
import { testFacts } from '../../fixtures/facts.ts';

const facts = testFacts();
const build = (main?: string, master?: string, opts: { version?: string; compat?: string } = {}) => buildEffectiveConfig({
  facts, version: opts.version ?? '3.11', compatibilityLevel: opts.compat,
  mains: main === undefined ? [] : [parseMainCf(main)], masters: master === undefined ? [] : [parseMasterCf(master)], policies: [],
});
const service = (c: ReturnType<typeof build>, key: string) => c.services.find((s) => s.entry.key === key);

describe('effective configuration', () => {
  it('uses defaults of the release at the compatibility level', () => {
    expect(build('').resolve('smtp_tls_fingerprint_digest').value).toBe('md5');
    expect(build('', undefined, { compat: '3.6' }).resolve('smtp_tls_fingerprint_digest').value).toBe('sha256');
    expect(build('', undefined, { version: '3.5', compat: '3.6' }).resolve('smtpd_tls_protocols').value).toBe('!SSLv2, !SSLv3');
  });

  it('takes compatibility_level from main.cf before the option', () => {
    const c = build('compatibility_level = 3.6\n', undefined, { compat: '2' });
    expect([c.compatibilityLevel, c.compatibilitySource]).toEqual(['3.6', 'config']);
    expect(c.resolve('smtp_tls_fingerprint_digest').value).toBe('sha256');
  });

  it('resolves -o over main.cf over defaults, expanding custom parameters', () => {
    const c = build('my_protocols = >=TLSv1.2\nsmtpd_tls_security_level = may\n',
      'submission inet n - y - - smtpd\n  -o smtpd_tls_mandatory_protocols=$my_protocols\n  -o smtpd_tls_security_level=encrypt\n');
    const sub = service(c, 'submission/inet');
    expect(c.resolve('smtpd_tls_mandatory_protocols', sub)).toMatchObject({ origin: 'override', value: '>=TLSv1.2' });
    expect(serverTls(c, sub).level).toBe('encrypt');
    expect(serverTls(c, service(c, 'smtp/inet')).level).toBe('may');
    expect(c.referencedNames.has('my_protocols')).toBe(true);
  });

  it('maps the legacy switches to levels', () => {
    expect(serverTls(build('smtpd_use_tls = yes\n'), undefined).level).toBe('may');
    expect(serverTls(build('smtpd_enforce_tls = yes\n'), undefined).level).toBe('encrypt');
    expect(clientTls(build(''), undefined).level).toBe('none');
  });

  it('assumes the stock master.cf without one, and adds the stock services to a fragment', () => {
    const stock = build('');
    expect(stock.hasMaster).toBe(false);
    expect(stock.services.find((s) => s.endpoint === 'mx')?.entry.key).toBe('smtp/inet');
    const fragment = build('', 'submission inet n - y - - smtpd\n');
    expect(fragment.services.map((s) => s.entry.key)).toEqual(expect.arrayContaining(['smtp/inet', 'smtp/unix', 'submission/inet']));
    const full = build('', 'qmgr unix n - n 300 1 qmgr\n');
    expect(full.services.map((s) => s.entry.key)).toEqual(['qmgr/unix']);
  });

  it('keeps only the last of two entries for the same service, as master(8) does', () => {
    const c = build('', 'qmgr unix n - n 300 1 qmgr\nx unix - - n - - smtp\n  -o smtp_tls_security_level=encrypt\nx unix - - n - - smtp\n');
    expect(c.services.filter((s) => s.entry.key === 'x/unix')).toHaveLength(1);
    expect(clientTls(c, service(c, 'x/unix')).level).toBe('none');
  });

  it('treats values under template conditions as unknown', () => {
    const c = build('{% if a %}\nsmtp_tls_security_level = encrypt\n{% endif %}\n');
    expect(c.resolve('smtp_tls_security_level').value).toBeUndefined();
  });

  it('classifies listeners by port', () => {
    const c = build('', 'smtp inet n - y - - postscreen\nsmtpd pass - - y - - smtpd\n587 inet n - y - - smtpd\n127.0.0.1:10025 inet n - n - - smtpd\nqmgr unix n - n 300 1 qmgr\n');
    expect(c.services.map((s) => [s.entry.key, s.endpoint])).toEqual([
      ['smtp/inet', 'mx'], ['smtpd/pass', 'mx'], ['587/inet', 'submission'], ['127.0.0.1:10025/inet', 'local'], ['qmgr/unix', 'internal'],
    ]);
  });
});
