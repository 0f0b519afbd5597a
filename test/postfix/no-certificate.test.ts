// What smtpd does at level "may" when it has no certificate at all, on every release: it keeps listing
// STARTTLS and answers the command with 454, which the smtpd_tls_security_level page and the
// troubleshooting recipe describe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from './harness.ts';
import { testReleases } from './releases.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? testReleases() : [])('smtpd at level may without a certificate, Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  beforeAll(async () => {
    pf = await startPostfix({ release, main: 'smtpd_tls_security_level = may', master: '127.0.0.1:@PORT@ inet n - n - - smtpd' });
  });
  afterAll(async () => { await pf?.stop(); });

  it('still lists STARTTLS, answers it with 454 4.7.0, and carries on in plaintext', async () => {
    const res = await capture('swaks', ['--server', `127.0.0.1:${pf!.ports[0]}`, '--tls-optional', '--quit-after', 'RCPT',
      '--from', 'a@example.org', '--to', 'postmaster@mx.test.example', '--ehlo', 'client.test']);
    expect(res.stdout, res.stdout).toMatch(/<-\s+250[ -]STARTTLS/);
    expect(res.stdout).toMatch(/<\*\*\s+454 4\.7\.0 TLS not available due to local problem/);
    expect(res.stdout).toMatch(/<-\s+250 2\.1\.0 Ok/);
    await pf!.waitForLog(/warning: .*(cannot get RSA certificate|No server certs available|TLS library problem|cannot load)/i);
  });
});
