import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { localizeMaster, recipeBlocks, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

/** The "... TLS connection established to" line logged by the smtp process that delivered to `domain`. */
function clientSummaryFor(log: string, domain: string): string | undefined {
  const pid = new RegExp(`postfix/smtp\\[(\\d+)\\]: \\w+: to=<[^>]*@${domain.replace(/\./g, '\\.')}>, .*status=sent`).exec(log)?.[1];
  if (!pid) return undefined;
  return new RegExp(`postfix/smtp\\[${pid}\\]: (\\w+ TLS connection established to .*|Host offered STARTTLS: .*)`).exec(log)?.[1];
}

function swaks(port: number, to: string, tls = true) {
  return capture('swaks', ['--server', `127.0.0.1:${port}`, ...(tls ? ['--tls'] : []), '--from', 'sender@client.test.example',
    '--to', to, '--ehlo', 'client.test', '--timeout', '10']);
}

describe.runIf(enabled).each(enabled ? proofReleases('tls-logging') : [])('recipe: tls-logging on Postfix $label', (release) => {
  // How the summary names the key exchange and the server's ECDSA key: lower-case group names from 3.10,
  // OpenSSL's curve name from 3.7 (3.4-3.6 print the NIST name).
  const kex = atLeast(release, '3.10') ? 'x25519' : 'X25519';
  const curve = atLeast(release, '3.7') ? 'prime256v1' : 'P-256';
  let mx: PostfixInstance | undefined;
  let client: PostfixInstance | undefined;
  let certDir = '';

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    const server = pki.server('mx.test.example');
    const clientCert = pki.server('client.test.example');
    const { main, master } = recipeBlocks('tls-logging');
    // The receiving side: the page's main.cf plus a certificate; the page's level-2 listener on @PORT@,
    // a plain level-1 listener on @PORT2@ and one that asks for client certificates on @PORT3@.
    mx = await startPostfix({
      release,
      ports: 3,
      main: `${main}
smtpd_tls_chain_files = ${server.key}, ${server.cert}
smtpd_tls_security_level = may
smtpd_tls_CAfile = ${pki.caCert}
smtpd_recipient_restrictions = check_recipient_access inline:{ {hold.example = HOLD} }, permit_mynetworks, reject
default_transport = discard:
relay_transport = discard:
`,
      master: `${localizeMaster(master, { smtp: '127.0.0.1:@PORT@' })}
127.0.0.1:@PORT2@ inet n - n - - smtpd
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_tls_ask_ccert=yes`,
    });
    const [, level1, askCert] = mx.ports;
    // The sending side: the page's main.cf, routing each test domain through a transport with one TLS setting.
    client = await startPostfix({
      release,
      hostname: 'client.test.example',
      main: `${main}
smtp_tls_security_level = may
smtp_tls_CAfile = ${pki.caCert}
transport_maps = inline:{ {untrusted.example = noca:[127.0.0.1]:${level1}}, {trusted.example = smtp:[127.0.0.1]:${level1}},
    {verified.example = verified:[127.0.0.1]:${level1}}, {plain.example = plain:[127.0.0.1]:${level1}},
    {withcert.example = withcert:[127.0.0.1]:${askCert}} }
`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
noca unix - - n - - smtp -o smtp_tls_CAfile=
verified unix - - n - - smtp -o smtp_tls_security_level=verify -o smtp_tls_verify_cert_match=mx.test.example
plain unix - - n - - smtp -o smtp_tls_security_level=none -o smtp_tls_note_starttls_offer=yes
withcert unix - - n - - smtp -o smtp_tls_chain_files=${clientCert.key},${clientCert.cert}`,
    });
  });

  afterAll(async () => {
    await client?.stop();
    await mx?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('logs one summary line per inbound TLS session at level 1, and nothing about the handshake', async () => {
    const res = await swaks(mx!.ports[1]!, 'user@hold.example');
    expect(res.stdout).toMatch(/TLS started with cipher TLSv1\.3/);
    await mx!.waitForLog(/hold\.example>: Recipient address triggers HOLD action/);
    const log = mx!.log();
    expect(log.match(/Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3 with cipher \S+ \(\d+\/\d+ bits\) key-exchange \S+/g)).toHaveLength(1);
    expect(log).toMatch(new RegExp(`Anonymous TLS connection established from [^\\n]* key-exchange ${kex} server-signature ECDSA \\(${curve}\\) server-digest SHA256\\n`));
    expect(log).not.toMatch(/SSL_accept:|setting up TLS connection from/);
  });

  it('records the TLS session in the Received header', async () => {
    const queue = await capture(mx!.command('postqueue'), ['-c', mx!.dir, '-j']);
    const id = JSON.parse(queue.stdout.trim().split('\n')[0]!).queue_id as string;
    const message = await capture(mx!.command('postcat'), ['-c', mx!.dir, '-hq', id]);
    expect(message.stdout).toMatch(new RegExp(`^Received: from client\\.test \\(localhost \\[127\\.0\\.0\\.1\\]\\)\\n\\t\\(using TLSv1\\.3 with cipher \\S+ \\(\\d+/\\d+ bits\\)\\n\\t key-exchange ${kex} server-signature ECDSA \\(${curve}\\) server-digest SHA256\\)\\n`, 'm'));
    expect(message.stdout).toMatch(/\n\t\(No client certificate requested\)\n\tby mx\.test\.example \(Postfix\) with ESMTPS id /);
  });

  it('adds the handshake trace on the listener raised to level 2', async () => {
    await swaks(mx!.ports[0]!, 'user@remote.example');
    await mx!.waitForLog(/setting up TLS connection from localhost\[127\.0\.0\.1\]/);
    // The default "medium" list; from 3.8 it also excludes obsolete algorithms (the page shows both).
    const medium = atLeast(release, '3.8')
      ? 'aNULL:-aNULL:HIGH:MEDIUM:!SEED:!IDEA:!3DES:!RC2:!RC4:!RC5:!kDH:!kECDH:!aDSS:!MD5:+RC4:@STRENGTH'
      : 'aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH';
    await mx!.waitForLog(new RegExp(`localhost\\[127\\.0\\.0\\.1\\]: TLS cipher list "${medium.replace(/[+]/g, '\\+')}"`));
    await mx!.waitForLog(/SSL_accept:SSLv3\/TLS read client hello/);
    await mx!.waitForLog(/SSL_accept:SSLv3\/TLS write server hello/);
  });

  it('logs Untrusted, Trusted, Verified and "Host offered STARTTLS" on the client side', async () => {
    for (const domain of ['untrusted.example', 'trusted.example', 'verified.example', 'plain.example', 'withcert.example']) {
      const res = await swaks(client!.ports[0]!, `user@${domain}`, false);
      expect(res.stdout).toMatch(/250 2\.0\.0 Ok: queued/);
    }
    await client!.waitForLog(/(status=sent[\s\S]*){5}/, 20_000);
    const log = client!.log();
    expect(clientSummaryFor(log, 'untrusted.example')).toMatch(/^Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.3 with cipher /);
    expect(clientSummaryFor(log, 'trusted.example')).toMatch(/^Trusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.3 with cipher /);
    expect(clientSummaryFor(log, 'verified.example')).toMatch(/^Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.3 with cipher /);
    expect(clientSummaryFor(log, 'plain.example')).toBe('Host offered STARTTLS: [127.0.0.1]');
  });

  it('logs a client certificate from a trusted CA as Trusted on the server side', async () => {
    await mx!.waitForLog(/Trusted TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3 with cipher .* client-signature ECDSA/);
  });

  it("the page's verify commands, run on the sending instance, print its settings and count its sessions by trust status", async () => {
    const res = await runShellBlock('tls-logging', 'count-sessions', { instance: client!, replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/^smtpd_tls_loglevel = \d\nsmtp_tls_loglevel = 1\nsmtpd_tls_received_header = \S+\n/);
    for (const status of ['Untrusted', 'Trusted', 'Verified']) expect(res.stdout).toMatch(new RegExp(`^ +\\d+ ${status} TLS connection established to$`, 'm'));
  });

  it("the page's apply command reloads; its roll back leaves a new inbound session on the listener unlogged", async () => {
    const applied = await runShellBlock('tls-logging', 'apply', { instance: mx! });
    expect(applied.code, applied.out).toBe(0);
    await mx!.waitForLog(/reload -- version/);
    const service = `127.0.0.1:${mx!.ports[0]}/inet`;
    const res = await runShellBlock('tls-logging', 'rollback', { instance: mx!, replacements: { 'smtp/inet': service } });
    expect(res.code, res.out).toBe(0);
    expect((await mx!.postconf('-P')).stdout).not.toMatch(/smtpd_tls_loglevel/);
    expect((await mx!.postconf('-n')).stdout).not.toMatch(/^(smtpd?_tls_loglevel|smtpd_tls_received_header) =/m);
    await mx!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    await new Promise((r) => setTimeout(r, 500));
    const summaries = (mx!.log().match(/TLS connection established from/g) ?? []).length;
    const traces = (mx!.log().match(/setting up TLS connection from/g) ?? []).length;
    const out = await swaks(mx!.ports[0]!, 'user@remote.example');
    expect(out.stdout).toMatch(/TLS started with cipher TLSv1\.3/);
    await mx!.waitForLog(/remote\.example>[^\n]*\n[\s\S]*disconnect from localhost\[127\.0\.0\.1\][^\n]*\n(?![\s\S]*connect from)/);
    expect((mx!.log().match(/TLS connection established from/g) ?? []).length).toBe(summaries);
    expect((mx!.log().match(/setting up TLS connection from/g) ?? []).length).toBe(traces);
  });
});
