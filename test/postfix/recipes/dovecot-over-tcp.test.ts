import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { dovecotAvailable, startDovecot, type DovecotInstance } from '../dovecot.ts';
import { capture, freePort, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { countLog, sendmailInject, textBlockTitled, waitForCount, waitForDelivery } from '../outbound.ts';
import { localizeMaster, recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable() && dovecotAvailable();
const SLUG = 'dovecot-over-tcp';
const USER = 'alice@example.com';
const PASSWORD = 'correct horse';
const PLAIN_USER = 'alice@plain.example.com';

/** The PEM body of the certificate a STARTTLS server presents (openssl s_client prints it). */
async function presented(proto: 'lmtp' | 'smtp', port: number): Promise<string> {
  const res = await capture('openssl', ['s_client', '-starttls', proto, '-connect', `127.0.0.1:${port}`], '', 15_000);
  return /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(res.stdout)?.[0] ?? `(no certificate) ${res.stdout}${res.stderr}`;
}
const pem = (file: string) => /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(readFileSync(file, 'utf8'))![0];

describe.runIf(enabled).each(enabled ? proofReleases('dovecot-over-tcp') : [])('recipe: dovecot-over-tcp on Postfix $label', (release) => {
  let work = '';
  let pf: PostfixInstance | undefined;
  let dovecot: DovecotInstance | undefined;
  let plainDovecot: DovecotInstance | undefined; // LMTP without TLS
  let caCert = '';
  let live = ''; // stands in for /etc/letsencrypt/live/mail.example.com/
  let renewed = { key: '', cert: '' };
  let lmtpPort = 0;
  let authPort = 0;
  let plainPort = 0;
  let submission = 0;
  let doveadm: Record<string, string> = {};

  const submit = (password: string, quitAfter?: string) => capture('swaks', ['--server', `127.0.0.1:${submission}`, '--ehlo', 'client.test',
    '--tls', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', password, '--from', USER, '--to', USER,
    '--header', 'Subject: LMTP over TLS proof', ...(quitAfter ? ['--quit-after', quitAfter] : [])], '', 30_000);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-dovecot-'));
    const pki = createPki(work);
    caCert = pki.caCert;
    const first = pki.server('mail.example.com', 'ecdsa');
    renewed = pki.server('mail.example.com', 'rsa');
    live = join(work, 'live');
    mkdirSync(live);
    copyFileSync(first.cert, join(live, 'fullchain.pem'));
    copyFileSync(first.key, join(live, 'privkey.pem'));
    [lmtpPort, authPort, plainPort] = [await freePort(), await freePort(), await freePort()];

    const files = { '/etc/letsencrypt/live/mail.example.com/': `${live}/` };
    // The page's Dovecot blocks: the private address becomes 127.0.0.1, the ports free ones.
    const dovecotConfig = [
      textBlockTitled(SLUG, '/etc/dovecot/conf.d/10-ssl.conf'),
      substitute(textBlockTitled(SLUG, '/etc/dovecot/conf.d/10-master.conf (excerpt)'), {
        '10.0.0.2': '127.0.0.1', 'port = 24\n': `port = ${lmtpPort}\n`, 'port = 12345\n': `port = ${authPort}\n`,
      }),
    ].map((b) => substitute(b, files)).join('\n');
    expect(dovecotConfig).toMatch(/ssl = required/);
    dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }], config: dovecotConfig }, [lmtpPort, authPort]);
    // A Dovecot as shipped before this page: ssl = no (the helper's base), LMTP on TCP.
    plainDovecot = await startDovecot({
      users: [{ user: PLAIN_USER, password: PASSWORD }],
      config: `service lmtp {\n  inet_listener lmtp {\n    address = 127.0.0.1\n    port = ${plainPort}\n  }\n}\n`,
    }, [plainPort]);
    doveadm = { doveconf: `doveconf -c ${dovecot.configFile}`, doveadm: `doveadm -c ${dovecot.configFile}` };

    const { main, master } = recipeBlocks(SLUG);
    pf = await startPostfix({
      release,
      main: `${substitute(main, {
        ...files,
        'dovecot.example.com:24': `127.0.0.1:${lmtpPort}`,
        'dovecot.example.com:12345': `127.0.0.1:${authPort}`,
        '/etc/ssl/certs/ca-certificates.crt': caCert,
      })}
# Test scaffolding: the mailbox domains, one routed to the Dovecot without TLS, one addressed by IP.
virtual_mailbox_domains = example.com, plain.example.com, ip.example.com
transport_maps = inline:{ plain.example.com=lmtp:inet:127.0.0.1:${plainPort}, ip.example.com=ipmatch:inet:127.0.0.1:${lmtpPort} }
`,
      master: `${localizeMaster(master, { submission: '127.0.0.1:@PORT@' })}
ipmatch unix - - n - - lmtp -o lmtp_tls_secure_cert_match=nexthop`,
    });
    submission = pf.ports[0]!;
  });

  afterAll(async () => {
    await Promise.allSettled([pf?.stop(), dovecot?.stop(), plainDovecot?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('submission with AUTH checked by Dovecot over TCP, then delivery over LMTP with verified STARTTLS into the maildir', async () => {
    const res = await submit(PASSWORD);
    expect(res.stdout).toMatch(/<~\s+235 2\.7\.0 Authentication successful/);
    const queueId = /queued as ([0-9A-Za-z]+)/.exec(res.stdout)?.[1];
    expect(queueId, res.stdout).toBeDefined();
    const d = await waitForDelivery(pf!, queueId!);
    expect(d.status, d.line).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${lmtpPort}`);
    expect(d.line).toMatch(/250 2\.0\.0 <alice@example\.com> \S+ Saved/);
    const [tls] = await pf!.waitForLog(new RegExp(`\\w+ TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${lmtpPort}: .*`));
    expect(tls).toMatch(/^Verified TLS connection established/);
    expect(pf!.log()).toMatch(/postfix\/submission\/smtpd\[\d+\]: \w+: client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=alice@example\.com/);
    const [file] = await dovecot!.waitForMessages(USER, 1);
    expect(readFileSync(file!, 'utf8')).toMatch(/^Subject: LMTP over TLS proof$/m);
    await dovecot!.waitForLog(/lmtp\(alice@example\.com\).*saved mail to INBOX/);
  });

  it('a Dovecot without TLS gets no mail: the delivery is deferred, not sent in plaintext', async () => {
    await sendmailInject(pf!, PLAIN_USER, 'sender@example.org');
    const [line] = await pf!.waitForLog(/to=<alice@plain\.example\.com>.*status=deferred.*/);
    expect(line).toMatch(/TLS is required, but was not offered by host 127\.0\.0\.1\[127\.0\.0\.1\]/);
    expect(plainDovecot!.messages(PLAIN_USER)).toEqual([]);
  });

  it('an IP address as the destination does not match the certificate by default', async () => {
    await sendmailInject(pf!, 'bob@ip.example.com', 'sender@example.org');
    const [line] = await pf!.waitForLog(/to=<bob@ip\.example\.com>.*status=deferred.*/);
    expect(line).toMatch(/Server certificate not verified/);
  });

  it("the page's posttls-finger command verifies the LMTP listener's certificate", async () => {
    const res = await runShellBlock('dovecot-over-tcp', 'verify-lmtp', { instance: pf!, replacements: {
      '/etc/ssl/certs/ca-certificates.crt': caCert, 'inet:dovecot.example.com:24': `inet:127.0.0.1:${lmtpPort}`,
    } });
    expect(res.out).toMatch(new RegExp(`Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${lmtpPort}: TLSv1\\.[23]`));
  });

  it("the page's log check shows the verified TLS line and the delivery", async () => {
    const res = await runShellBlock('dovecot-over-tcp', 'verify-log', { replacements: { '/var/log/mail.log': join(pf!.dir, 'maillog'), '.*:24|': `.*:${lmtpPort}|`, 'relay=dovecot': 'relay=127.0.0.1' } });
    expect(res.stdout).toMatch(new RegExp(`Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${lmtpPort}`));
    expect(res.stdout).toMatch(/to=<alice@example\.com>.*status=sent/);
  });

  it("the page's apply commands check and reload both daemons", async () => {
    const postfixApply = await runShellBlock('dovecot-over-tcp', 'postfix-apply', { instance: pf! });
    expect(postfixApply.code, postfixApply.out).toBe(0);
    expect(postfixApply.stderr).not.toMatch(/overriding earlier entry/);
    expect(postfixApply.stdout).toContain(`virtual_transport = lmtp:inet:127.0.0.1:${lmtpPort}`);
    expect(postfixApply.stdout).toContain('lmtp_tls_security_level = secure');
    expect(postfixApply.stdout).toContain(`smtpd_sasl_path = inet:127.0.0.1:${authPort}`);
    await pf!.waitForLog(/reload -- version/);
    const dovecotApply = await runShellBlock('dovecot-over-tcp', 'dovecot-apply', { replacements: doveadm });
    expect(dovecotApply.code, dovecotApply.out).toBe(0);
    await dovecot!.waitForLog(/SIGHUP received - reloading configuration/);
  });

  it("after a renewal, the page's reload commands make both present the new certificate", async () => {
    const before = pem(join(live, 'fullchain.pem'));
    expect(await presented('lmtp', lmtpPort)).toBe(before);
    expect(await presented('smtp', submission)).toBe(before);
    copyFileSync(renewed.cert, join(live, 'fullchain.pem'));
    copyFileSync(renewed.key, join(live, 'privkey.pem'));
    const after = pem(renewed.cert);
    expect(after).not.toBe(before);
    const reloads = countLog(pf!, /reload -- version/);
    const res = await runShellBlock('dovecot-over-tcp', 'reload-both', { instance: pf!, replacements: { doveadm: doveadm.doveadm! } });
    expect(res.code, res.out).toBe(0);
    await waitForCount(pf!, /reload -- version/, reloads + 1);
    // Reloads are asynchronous: poll until new connections show the new certificate.
    const deadline = Date.now() + 15_000;
    let lmtp = '';
    let smtp = '';
    do {
      [lmtp, smtp] = [await presented('lmtp', lmtpPort), await presented('smtp', submission)];
      if (lmtp === after && smtp === after) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
    expect(lmtp).toBe(after);
    expect(smtp).toBe(after);
    // Delivery still verifies, now against the renewed certificate.
    const verified = countLog(pf!, new RegExp(`Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${lmtpPort}`));
    const sent = await submit(PASSWORD);
    const d = await waitForDelivery(pf!, /queued as ([0-9A-Za-z]+)/.exec(sent.stdout)![1]!);
    expect(d.status, d.line).toBe('sent');
    expect(countLog(pf!, new RegExp(`Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${lmtpPort}`))).toBeGreaterThan(verified);
    expect((await dovecot!.waitForMessages(USER, 2)).length).toBe(2);
  });

  it("the page's roll back to may lets mail reach a Dovecot without TLS in plaintext", async () => {
    const reloads = countLog(pf!, /reload -- version/);
    const res = await runShellBlock('dovecot-over-tcp', 'roll-back', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    expect((await pf!.postconf('lmtp_tls_security_level')).stdout).toBe('lmtp_tls_security_level = may\n');
    await waitForCount(pf!, /reload -- version/, reloads + 1);
    await sendmailInject(pf!, PLAIN_USER, 'sender@example.org');
    const [line] = await pf!.waitForLog(/to=<alice@plain\.example\.com>.*status=sent.*/, 30_000);
    expect(line).toContain(`relay=127.0.0.1[127.0.0.1]:${plainPort}`);
    expect((await plainDovecot!.waitForMessages(PLAIN_USER, 1)).length).toBeGreaterThanOrEqual(1);
  });

  // Last: after a failed login Dovecot's auth penalty delays the next AUTH from 127.0.0.1 by seconds.
  it('a wrong password is refused with 535 by the Dovecot auth service', async () => {
    const res = await submit('wrong password', 'AUTH');
    expect(res.stdout).toMatch(/<~\*\s+535 5\.7\.8 /);
    await pf!.waitForLog(/postfix\/submission\/smtpd\[\d+\]: warning: localhost\[127\.0\.0\.1\]: SASL PLAIN authentication failed/);
  });
});
