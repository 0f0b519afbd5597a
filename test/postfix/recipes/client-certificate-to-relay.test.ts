import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { blockTitled, certFingerprint, countLog, inject, installPolicy, startClient, textBlockTitled, waitForCount, waitForDelivery, type Delivery } from '../outbound.ts';
import { runShellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();
const SLUG = 'client-certificate-to-relay';
const RELAY = '[relay.example.net]:25';
// The placeholder fingerprint printed on the page; the test lists its own client certificate instead.
const PAGE_FP = '3E:5A:9C:0D:41:77:B2:6F:88:14:E0:5B:C3:29:7A:D6:90:1F:4E:A8:62:35:CB:07:D9:4C:18:E3:56:AF:02:B1';

/** The client's "... TLS connection established to ..." line logged by the smtp process that made delivery `d`. */
function tlsLineOf(pf: PostfixInstance, d: Delivery): string {
  const lines = pf.log().split('\n');
  const at = lines.findIndex((l) => l.includes(`${d.queueId}: to=`));
  const pid = /\[(\d+)\]: [0-9A-F]+: to=/.exec(lines[at] ?? '')?.[1];
  if (!pid) throw new Error(`no delivery line for ${d.queueId}`);
  const tls = lines.slice(0, at).reverse().find((l) => l.includes(`[${pid}]: `) && / TLS connection established to /.test(l));
  return tls ?? '';
}

describe.runIf(enabled).each(enabled ? proofReleases('client-certificate-to-relay') : [])('recipe: client-certificate-to-relay on Postfix $label', (release) => {
  let work = '';
  let relay: PostfixInstance | undefined;
  let client: PostfixInstance | undefined; // the page's main.cf: all mail through the relay
  let perTransport: PostfixInstance | undefined; // the page's dedicated transport
  let files: Record<string, string> = {};
  let askPort = 0;
  let noAskPort = 0;

  const trusted = /Trusted TLS connection established from [^ ]*\[127\.0\.0\.1\]/;
  const anonymous = /Anonymous TLS connection established from [^ ]*\[127\.0\.0\.1\]/;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-ccrelay-'));
    const pki = createPki(work);
    const relayCert = pki.server('relay.example.net');
    const clientCert = pki.server('client.example.com', 'rsa');
    files = {
      '/etc/ssl/private/client.example.com.key': clientCert.key,
      '/etc/ssl/certs/client.example.com.crt': clientCert.cert,
      '/etc/postfix/tls/client.pem': join(work, 'client.pem'),
      '/etc/postfix/tls/relay-ca.pem': pki.caCert,
      '/etc/postfix/tls/relay.key.pem': relayCert.key,
      '/etc/postfix/tls/relay.fullchain.pem': relayCert.cert,
      '/etc/postfix/tls/clients-ca.pem': pki.caCert,
      '/etc/postfix/relay_clientcerts': join(work, 'relay_clientcerts'),
      '/etc/postfix/transport': join(work, 'transport'),
    };
    // The page's commands build the chain file and print the fingerprint for the relay's table.
    const chain = await runShellBlock('client-certificate-to-relay', 'make-chain', { replacements: files });
    expect(chain.code, chain.out).toBe(0);
    expect(chain.stdout).toContain('TLS Web Client Authentication');
    expect(statSync(files['/etc/postfix/tls/client.pem']!).mode & 0o777).toBe(0o600);
    const fp = await runShellBlock('client-certificate-to-relay', 'fingerprint', { replacements: files });
    const fingerprint = /Fingerprint=([0-9A-F:]+)/.exec(fp.stdout)?.[1];
    expect(fingerprint).toBe(certFingerprint(clientCert.cert));
    await installPolicy(work, substitute(textBlockTitled(SLUG, '/etc/postfix/relay_clientcerts'), { [PAGE_FP]: fingerprint! }), 'relay_clientcerts', release);

    relay = await startPostfix({
      release,
      ports: 2,
      hostname: 'relay.example.net',
      // Test scaffolding after the page's relay settings: the relay discards what it accepts.
      main: `${substitute(blockTitled(SLUG, '/etc/postfix/main.cf on the relay').text, files)}\ndefault_transport = discard:relayed\n`,
      // @PORT2@: a listener that does not ask for a client certificate.
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd\n127.0.0.1:@PORT2@ inet n - n - - smtpd -o syslog_name=postfix/noask -o smtpd_tls_ask_ccert=no',
    });
    [askPort, noAskPort] = relay.ports as [number, number];
    const hop = `[127.0.0.1]:${askPort}`;

    // The older parameters as a transport: "name = value" lines become -o options; chain files emptied,
    // as the page says, since they take precedence.
    const legacy = blockTitled(SLUG, '/etc/postfix/main.cf (older parameters)').text.split('\n')
      .map((l) => /^(\w+)\s*=\s*(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `-o ${m[1]}=${substitute(m[2]!, files)}`).join(' ');
    client = await startClient({
      release,
      main: substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, { ...files, [RELAY]: hop }),
      master: [
        'nocert unix - - n - - smtp -o smtp_tls_chain_files=',
        'notls unix - - n - - smtp -o smtp_tls_security_level=none',
        `legacy unix - - n - - smtp -o smtp_tls_chain_files= ${legacy}`,
        // The page's mistake: the certificate file listed before the key file.
        `wrongorder unix - - n - - smtp -o smtp_tls_chain_files=${clientCert.cert},${clientCert.key}`,
        `wrongordermay unix - - n - - smtp -o smtp_tls_security_level=may -o smtp_tls_chain_files=${clientCert.cert},${clientCert.key}`,
      ].join('\n'),
      routes: {
        'nocert.test': `nocert:${hop}`,
        'notls.test': `notls:${hop}`,
        'legacy.test': `legacy:${hop}`,
        'wrongorder.test': `wrongorder:${hop}`,
        'wrongordermay.test': `wrongordermay:${hop}`,
        'noask.test': `[127.0.0.1]:${noAskPort}`,
      },
    });
    const applied = await runShellBlock('client-certificate-to-relay', 'apply', { instance: client });
    expect(applied.code, applied.out).toBe(0);

    // The per-destination variant. Test scaffolding in the transport table: other.example goes to the same
    // relay through the default smtp transport (the client has no DNS to find MX servers).
    writeFileSync(files['/etc/postfix/transport']!, `${substitute(textBlockTitled(SLUG, '/etc/postfix/transport'), { [RELAY]: hop })}other.example    smtp:${hop}\n`);
    perTransport = await startClient({
      release,
      main: substitute(blockTitled(SLUG, '/etc/postfix/main.cf (one destination)').text, files),
      master: substitute(blockTitled(SLUG, '/etc/postfix/master.cf').text, files),
    });
    const built = await runShellBlock('client-certificate-to-relay', 'apply-transport', { instance: perTransport, replacements: files });
    expect(built.code, built.out).toBe(0);
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), perTransport?.stop(), relay?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("with the page's main.cf the client verifies the relay, presents its certificate, and the relay relays the message", async () => {
    const before = countLog(relay!, trusted);
    const d = await waitForDelivery(client!, await inject(client!, 'someone@example.org'));
    expect(d.status, d.line).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${askPort}`);
    const tls = tlsLineOf(client!, d);
    expect(tls).toMatch(/Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: /);
    expect(tls).toMatch(/ client-signature \S+/);
    await waitForCount(relay!, trusted, before + 1);
    await relay!.waitForLog(/to=<someone@example\.org>, relay=none.*status=sent/);
  });

  it('the same client without smtp_tls_chain_files is refused with "Relay access denied", and the message bounces', async () => {
    const before = countLog(relay!, anonymous);
    const d = await waitForDelivery(client!, await inject(client!, 'someone@nocert.test'));
    expect(d.status).toBe('bounced');
    expect(d.line).toMatch(/said: 554 5\.7\.1 <someone@nocert\.test>: Relay access denied \(in reply to RCPT TO command\)/);
    expect(tlsLineOf(client!, d)).toMatch(/Verified TLS connection established to/);
    expect(tlsLineOf(client!, d)).not.toMatch(/client-signature/);
    await waitForCount(relay!, anonymous, before + 1);
  });

  it('a transport with smtp_tls_security_level = none starts no TLS, sends no certificate and is refused', async () => {
    const d = await waitForDelivery(client!, await inject(client!, 'someone@notls.test'));
    expect(d.status).toBe('bounced');
    expect(d.line).toMatch(/Relay access denied/);
    expect(tlsLineOf(client!, d)).toBe('');
  });

  it('the older smtp_tls_cert_file / smtp_tls_key_file form presents the certificate too', async () => {
    const before = countLog(relay!, trusted);
    const d = await waitForDelivery(client!, await inject(client!, 'someone@legacy.test'));
    expect(d.status, d.line).toBe('sent');
    expect(tlsLineOf(client!, d)).toMatch(/client-signature/);
    await waitForCount(relay!, trusted, before + 1);
  });

  it('with the certificate listed before its key, the keys fail to load and the mail is deferred (sent without TLS at may)', async () => {
    const d = await waitForDelivery(client!, await inject(client!, 'someone@wrongorder.test'));
    expect(d.status).toBe('deferred');
    expect(d.line).toMatch(/status=deferred \(TLS is required, but our TLS engine is unavailable\)/);
    expect(client!.log()).toMatch(/postfix\/smtp\[\d+\]: warning: error loading chain from \S+: key not first/);
    expect(client!.log()).toMatch(/postfix\/smtp\[\d+\]: warning: error loading private keys and certificates from: \S+: disabling TLS support/);
    // At may the same mistake sends in plaintext: no TLS line, and the relay refuses the unidentified client.
    const may = await waitForDelivery(client!, await inject(client!, 'someone@wrongordermay.test'));
    expect(may.status).toBe('bounced');
    expect(may.line).toMatch(/Relay access denied/);
    expect(tlsLineOf(client!, may)).toBe('');
  });

  it('a listener that does not ask gets no certificate: Anonymous on the relay, no client-signature on the client', async () => {
    const noAsk = /postfix\/noask\/smtpd\[\d+\]: Anonymous TLS connection established from/;
    const before = countLog(relay!, noAsk);
    // The noask listener refuses relaying as well (nothing identifies the client there).
    const d = await waitForDelivery(client!, await inject(client!, 'someone@noask.test'));
    expect(d.status).toBe('bounced');
    expect(d.line).toMatch(/Relay access denied/);
    expect(tlsLineOf(client!, d)).toMatch(/Verified TLS connection established to/);
    expect(tlsLineOf(client!, d)).not.toMatch(/client-signature/);
    await waitForCount(relay!, noAsk, before + 1);
    expect(relay!.log()).not.toMatch(/postfix\/noask\/smtpd\[\d+\]: (Trusted|Untrusted) TLS connection/);
  });

  it('per transport: the relaycert transport presents the certificate and relays; the default smtp transport to the same relay does not', async () => {
    const withCert = await waitForDelivery(perTransport!, await inject(perTransport!, 'someone@partner.example'));
    expect(withCert.status, withCert.line).toBe('sent');
    expect(tlsLineOf(perTransport!, withCert)).toMatch(/Verified TLS connection established to .* client-signature /);
    const without = await waitForDelivery(perTransport!, await inject(perTransport!, 'someone@other.example'));
    expect(without.status).toBe('bounced');
    expect(without.line).toMatch(/554 5\.7\.1 <someone@other\.example>: Relay access denied/);
    expect(tlsLineOf(perTransport!, without)).not.toMatch(/client-signature/);
  });

  it("the page's verify commands: the log lines and swaks with the certificate", async () => {
    const log = await runShellBlock('client-certificate-to-relay', 'verify-log', { instance: client!, replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(log.code, log.out).toBe(0);
    expect(log.stdout).toMatch(/relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+.*status=/);
    const swaks = await runShellBlock('client-certificate-to-relay', 'verify-swaks', { replacements: { ...files, 'relay.example.net:25': `127.0.0.1:${askPort}` } });
    expect(swaks.stdout).toMatch(/~> RCPT TO:<someone@example\.org>\s+<~\s+250 2\.1\.5 Ok/);
    const plain = await capture('swaks', ['--server', `127.0.0.1:${askPort}`, '--tls', '--from', 'you@example.com', '--to', 'someone@example.org', '--quit-after', 'RCPT']);
    expect(plain.stdout).toMatch(/<~\*\s+554 5\.7\.1 <someone@example\.org>: Relay access denied/);
  });

  it("the page's roll back removes the certificate; the relay then refuses the client's mail", async () => {
    const res = await runShellBlock('client-certificate-to-relay', 'rollback', { instance: client! });
    expect(res.code, res.out).toBe(0);
    expect((await client!.postconf('-n', 'smtp_tls_chain_files')).stdout).toBe('');
    await waitForCount(client!, /reload -- version/, 2);
    const d = await waitForDelivery(client!, await inject(client!, 'someone@example.org'));
    expect(d.status).toBe('bounced');
    expect(d.line).toMatch(/Relay access denied/);
  });
});
