import { describe, expect, it } from 'vitest';
import { parseMasterCf } from '../../../src/lib/parse/master-cf.ts';

describe('master.cf parser', () => {
  it('reads the eight fields with positions', () => {
    const [s] = parseMasterCf('tlsmgr    unix  -       -       y       1000?   1       tlsmgr\n').services;
    expect(s?.key).toBe('tlsmgr/unix');
    expect([s?.wakeup.text, s?.wakeup.column, s?.maxproc.text, s?.command.text]).toEqual(['1000?', 41, '1', 'tlsmgr']);
  });

  it('reads -o name=value, -oname=value and -o { name = value } overrides', () => {
    const text = 'submission inet n - y - - smtpd\n  -o syslog_name=postfix/submission\n  -osmtpd_tls_auth_only=yes\n  -o { smtpd_tls_security_level = encrypt }\n';
    const [s] = parseMasterCf(text).services;
    expect(s?.overrides.map((o) => [o.name, o.value, o.line, o.column, o.valueColumn])).toEqual([
      ['syslog_name', 'postfix/submission', 2, 6, 18],
      ['smtpd_tls_auth_only', 'yes', 3, 5, 25],
      ['smtpd_tls_security_level', 'encrypt', 4, 8, 35],
    ]);
  });

  it('accepts every service type and continuation only with leading whitespace', () => {
    const text = 'a inet n - n - - smtpd\nb unix - - n - - smtp\nc unix-dgram n - n - 1 postlogd\nd fifo n - n 60 1 pickup\ne pass - - n - - smtpd\n# comment\n  -o x=1\n';
    const { services, problems } = parseMasterCf(text);
    expect(services.map((s) => s.type.text)).toEqual(['inet', 'unix', 'unix-dgram', 'fifo', 'pass']);
    expect(services[4]?.overrides[0]?.name).toBe('x');
    expect(problems).toEqual([]);
  });

  it('does not read pipe(8) argv options such as sendmail -oi as overrides', () => {
    const [s] = parseMasterCf('spam unix - n n - - pipe\n  user=x argv=/usr/sbin/sendmail -oi -f ${sender}\n').services;
    expect(s?.overrides).toEqual([]);
  });

  it('reports field errors where Postfix would stop', () => {
    const { problems } = parseMasterCf('a inet y - yes 1x 2y smtpd\nb bogus n - n - - smtpd\nc unix n\n  -o\n');
    expect(problems.map((p) => [p.line, p.column])).toEqual([[1, 12], [1, 8], [1, 16], [1, 19], [2, 3], [3, 1]]);
  });

  it('recognises an en dash pasted in place of -o and still reads the override', () => {
    const m = parseMasterCf('submission inet n - y - - smtpd\n  \u2013o smtpd_tls_security_level=encrypt\n');
    expect(m.view.lookalikes.map((l) => [l.line, l.column, l.char])).toEqual([[2, 3, '\u2013']]);
    expect(m.services[0]?.overrides[0]?.name).toBe('smtpd_tls_security_level');
  });
});
