import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import { localizeMaster, recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const NAME = 'mx.example.com';
// Test scaffolding: 127.0.0.1 is in the harness's mynetworks, which postscreen would allowlist, and the
// default 6-second greet wait would slow every first contact down.
const SCAFFOLD = 'postscreen_access_list =\npostscreen_greet_wait = 1s\n';

const swaks = async (port: number, tls = true) => (await capture('swaks', ['--server', `127.0.0.1:${port}`, ...(tls ? ['--tls'] : []),
  '--ehlo', 'client.test', '--from', 'you@example.org', '--to', 'postmaster@example.com', '--quit-after', 'RCPT'])).stdout;

describe.runIf(enabled).each(enabled ? proofReleases('tls-for-postscreen') : [])('recipe: tls-for-postscreen on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let split: PostfixInstance | undefined; // the "-o only on smtpd" mistake
  let work = '';
  let caCert = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-postscreen-'));
    const pki = createPki(work);
    caCert = pki.caCert;
    const { key, cert } = pki.server(NAME);
    const files = { '/etc/postfix/tls/mx.key.pem': key, '/etc/postfix/tls/mx.fullchain.pem': cert };
    const { main, master } = recipeBlocks('tls-for-postscreen');
    // The harness already runs a tlsproxy service; drop the recipe's copy so it is not defined twice.
    const services = localizeMaster(master.split('\n').filter((l) => !/^tlsproxy\s/.test(l)).join('\n'), { smtp: '127.0.0.1:@PORT@' });
    pf = await startPostfix({
      release,
      ports: 2,
      main: `${substitute(main, files)}\n${SCAFFOLD}`,
      // A second postscreen whose tlsproxy is missing (own cache, same smtpd behind it).
      master: `${services}\n127.0.0.1:@PORT2@ inet n - n - 1 postscreen\n  -o tlsproxy_service_name=notlsproxy\n  -o postscreen_cache_map=btree:$data_directory/postscreen_cache2`,
    });
    split = await startPostfix({
      release,
      main: `smtpd_tls_loglevel = 1\npostscreen_pipelining_enable = yes\n${SCAFFOLD}`,
      master: `127.0.0.1:@PORT@ inet n - n - 1 postscreen\nsmtpd pass - - n - - smtpd\n  -o smtpd_tls_security_level=may\n  -o smtpd_tls_chain_files=${key},${cert}`,
    });
  });

  afterAll(async () => {
    await Promise.allSettled([pf?.stop(), split?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("the page's apply commands reload and show the postscreen and tlsproxy TLS settings", async () => {
    const res = await runShellBlock('tls-for-postscreen', 'apply', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toBe('postscreen_tls_security_level = $smtpd_tls_security_level\ntlsproxy_tls_security_level = $smtpd_tls_security_level\ntlsproxy_tls_chain_files = $smtpd_tls_chain_files\n');
  });

  it('postscreen offers STARTTLS to a new client and tlsproxy does the handshake', async () => {
    const res = await capture('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${pf!.ports[0]}`, '-brief',
      '-CAfile', caCert, '-verify_hostname', NAME, '-verify_return_error'], 'QUIT\n');
    expect(res.stdout + res.stderr).toMatch(/Verification: OK/);
    await pf!.waitForLog(/postfix\/tlsproxy\[\d+\]: Anonymous TLS connection established from \[127\.0\.0\.1\]:\d+: TLSv1\.3/);
    expect(pf!.log()).not.toMatch(/postfix\/smtpd\[\d+\]: .*TLS connection established/);
  });

  it('postscreen ends the first full session with 450 at RCPT TO and logs PASS NEW', async () => {
    // The page's swaks command, then its log grep on the instance's log file.
    const at = { replacements: { 'mx.example.com:25': `127.0.0.1:${pf!.ports[0]}` } };
    const out = (await runShellBlock('tls-for-postscreen', 'first-contact', at)).stdout;
    expect(out).toMatch(/<-\s+250-STARTTLS/);
    expect(out).toMatch(/<~\*\s+450 4\.3\.2 Service currently unavailable/);
    await pf!.waitForLog(/postfix\/postscreen\[\d+\]: PASS NEW \[127\.0\.0\.1\]/);
    const log = await runShellBlock('tls-for-postscreen', 'log', { replacements: { '/var/log/mail.log': join(pf!.dir, 'maillog') } });
    expect(log.stdout).toMatch(/postfix\/tlsproxy\[\d+\]: Anonymous TLS connection established from \[127\.0\.0\.1\]:\d+/);
    expect(log.stdout).toMatch(/postfix\/postscreen\[\d+\]: PASS NEW \[127\.0\.0\.1\]/);
  });

  it('hands the next connection to smtpd, which offers STARTTLS with the same certificate', async () => {
    const out = (await runShellBlock('tls-for-postscreen', 'first-contact', { replacements: { 'mx.example.com:25': `127.0.0.1:${pf!.ports[0]}` } })).stdout;
    expect(out).toMatch(/<~\s+250 2\.1\.5 Ok/);
    await pf!.waitForLog(/postfix\/postscreen\[\d+\]: PASS OLD \[127\.0\.0\.1\]/);
    await pf!.waitForLog(/postfix\/smtpd\[\d+\]: Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3/);
    const res = await capture('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${pf!.ports[0]}`, '-brief',
      '-CAfile', caCert, '-verify_hostname', NAME, '-verify_return_error'], 'QUIT\n');
    expect(res.stdout + res.stderr).toMatch(/Verification: OK/);
    expect(res.stdout + res.stderr).toMatch(/Peer certificate: CN = mx\.example\.com/);
  });

  it('without a reachable tlsproxy, postscreen announces STARTTLS but answers it with 454', async () => {
    const out = (await capture('swaks', ['--server', `127.0.0.1:${pf!.ports[1]}`, '--tls', '--ehlo', 'client.test', '--quit-after', 'TLS'])).stdout;
    expect(out).toMatch(/<-\s+250-STARTTLS/);
    expect(out).toMatch(/<\*\*\s+454 4\.7\.0 TLS not available due to local problem/);
    await pf!.waitForLog(/postfix\/postscreen\[\d+\]: warning: connect to private\/notlsproxy service: No such file or directory/);
  });

  it('with TLS only on the smtpd line, postscreen offers no STARTTLS but smtpd later does', async () => {
    const first = await swaks(split!.ports[0]!, false);
    expect(first).toMatch(/<\*\*\s+450 4\.3\.2 Service currently unavailable/);
    expect(first).not.toMatch(/STARTTLS/);
    await split!.waitForLog(/postfix\/postscreen\[\d+\]: PASS NEW \[127\.0\.0\.1\]/);
    const second = await swaks(split!.ports[0]!, false);
    expect(second).toMatch(/<-\s+250-STARTTLS/);
  });

  it("after the page's roll back a new client passes in its first session, with STARTTLS from smtpd", async () => {
    const res = await runShellBlock('tls-for-postscreen', 'rollback', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('-n')).stdout).not.toMatch(/^postscreen_pipelining_enable/m);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    await new Promise((r) => setTimeout(r, 500));
    // 127.0.0.2 is a client postscreen has never seen.
    const out = (await capture('swaks', ['--server', `127.0.0.1:${pf!.ports[0]}`, '--local-interface', '127.0.0.2', '--tls',
      '--from', 'you@example.org', '--to', 'postmaster@example.com', '--quit-after', 'RCPT'])).stdout;
    expect(out).toMatch(/<~\s+250 2\.1\.5 Ok/);
    expect(out).not.toMatch(/450 4\.3\.2/);
    await pf!.waitForLog(/postfix\/postscreen\[\d+\]: PASS NEW \[127\.0\.0\.2\]/);
    await pf!.waitForLog(/postfix\/smtpd\[\d+\]: Anonymous TLS connection established from [^\n]*\[127\.0\.0\.2\]/);
    expect(pf!.log()).not.toMatch(/postfix\/tlsproxy\[\d+\]: Anonymous TLS connection established from \[127\.0\.0\.2\]/);
  });
});
