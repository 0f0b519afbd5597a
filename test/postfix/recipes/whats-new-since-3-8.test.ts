import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import {
  countLog, publicKeyFingerprint, recipeBlockList, startClient, waitForCount, waitForDelivery, waitForRecipient, type Delivery,
} from '../outbound.ts';
import { localizeMaster, runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const SLUG = 'whats-new-since-3-8';

/** The public-key pin printed in the page's relay-rpk transport; the test swaps in its own key's digest. */
const PAGE_KEY_PIN = 'B9:B3:9E:8E:79:A8:7E:BB:30:65:2B:37:BB:6B:6D:48:C5:47:10:53:32:41:AD:5D:D0:B5:AB:1A:8D:51:8C:EA';
/** Postfix's group lists when built with OpenSSL 3.0 (this machine's library). */
const CURVES_OPENSSL_30 = 'X25519 X448 prime256v1 secp384r1 secp521r1';
const SENDER = 'sender@sender.test';

/** The page's main.cf block that sets `name`. */
function mainBlockSetting(name: string): string {
  const b = recipeBlockList(SLUG).find((x) => x.kind === 'main' && new RegExp(`^${name}\\s*=`, 'm').test(x.text));
  if (!b) throw new Error(`${SLUG} has no main.cf block that sets ${name}`);
  return b.text;
}

/** Injects a message through the client's smtpd with swaks, with extra headers and a body marker. */
async function injectWith(client: PostfixInstance, to: string, opts: { headers?: string[]; subject: string }): Promise<string> {
  const headers = (opts.headers ?? []).flatMap((h) => ['--add-header', h]);
  const res = await capture('swaks', ['--server', `127.0.0.1:${client.ports[0]}`, '--from', SENDER, '--to', to, '--ehlo', 'injector.test',
    '--header', `Subject: ${opts.subject}`, ...headers, '--body', `BODY-MARKER ${opts.subject}`], '', 20_000);
  const m = /queued as ([0-9A-Za-z]+)/.exec(res.stdout);
  if (!m) throw new Error(`swaks did not get the message queued:\n${res.stdout}${res.stderr}`);
  return m[1]!;
}

/** Submits with the release's own sendmail, with extra options (e.g. -O requiretls=yes). */
async function sendmailWith(pf: PostfixInstance, to: string, subject: string, options: string[], headers: string[] = []): Promise<{ status: number | null; stderr: string }> {
  const msg = `From: ${SENDER}\nTo: ${to}\nSubject: ${subject}\n${headers.map((h) => `${h}\n`).join('')}\nBODY-MARKER ${subject}\n`;
  const res = await capture(pf.command('sendmail'), ['-C', pf.dir, ...options, '-f', SENDER, to], msg, 20_000);
  return { status: res.status, stderr: res.stderr };
}

describe.runIf(enabled).each(enabled ? proofReleases(SLUG) : [])('recipe: whats-new-since-3-8 on Postfix $label', (release) => {
  const is311 = atLeast(release, '3.11');
  let work = '';
  // mx: the receiving side. Ports: tls, plain (no STARTTLS), tls with both group lists emptied, hold
  // (accepts and puts mail on hold for postcat), hide (hold + smtpd_hide_client_session), reject, and
  // tls with a hybrid-only group list.
  let mx: PostfixInstance | undefined;
  let client: PostfixInstance | undefined;
  let strict: PostfixInstance | undefined;
  let tlsPort = 0, plainPort = 0, emptyGroupsPort = 0, holdPort = 0, hidePort = 0, rejectPort = 0, hybridPort = 0;

  const plainSinkSessions = /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5/;

  /** Queue file contents of a message held on mx. */
  const postcat = async (id: string) => (await capture(mx!.command('postcat'), ['-c', mx!.dir, '-q', id])).stdout;
  /** The message part (headers and body) of a postcat listing. */
  const contents = (text: string) => text.slice(text.indexOf('*** MESSAGE CONTENTS'));
  /**
   * Waits until mx holds a message whose contents include `marker` (`bounce`: only one with the null
   * sender, a delivery status notification); returns the whole postcat listing.
   */
  const heldMessage = async (marker: string, bounce = false, timeoutMs = 20_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    const holdDir = join(mx!.dir, 'queue', 'hold');
    for (;;) {
      for (const id of existsSync(holdDir) ? readdirSync(holdDir) : []) {
        const text = await postcat(id);
        if (contents(text).includes(marker) && (!bounce || /^sender: *$/m.test(text))) return text;
      }
      if (Date.now() > deadline) throw new Error(`no held message containing ${marker}; mx log tail:\n${mx!.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-new-'));
    const pki = createPki(work);
    const { key, cert } = pki.server('mx.test.example');
    const hold = '-o smtpd_recipient_restrictions=check_client_access,static:HOLD';
    mx = await startPostfix({
      release,
      hostname: 'mx.test.example',
      ports: 7,
      main: `mydestination = static:all
local_recipient_maps =
local_transport = discard:sink
smtpd_tls_loglevel = 1
smtpd_tls_chain_files = ${key},${cert}
`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd -o smtpd_tls_security_level=may
127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_tls_security_level=none
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_tls_security_level=may -o tls_eecdh_auto_curves= -o tls_ffdhe_auto_groups=
127.0.0.1:@PORT4@ inet n - n - - smtpd -o smtpd_tls_security_level=none ${hold}
127.0.0.1:@PORT5@ inet n - n - - smtpd -o smtpd_tls_security_level=none -o smtpd_hide_client_session=yes ${hold}
127.0.0.1:@PORT6@ inet n - n - - smtpd -o smtpd_tls_security_level=none -o smtpd_recipient_restrictions=reject
127.0.0.1:@PORT7@ inet n - n - - smtpd -o smtpd_tls_security_level=may -o tls_eecdh_auto_curves=X25519MLKEM768 -o tls_ffdhe_auto_groups=
`,
    });
    [tlsPort, plainPort, emptyGroupsPort, holdPort, hidePort, rejectPort, hybridPort] = mx.ports as [number, number, number, number, number, number, number];
    const hop = (p: number) => `[127.0.0.1]:${p}`;
    const rpkMaster = recipeBlockList(SLUG).find((b) => b.kind === 'master' && b.text.includes('relay-rpk'))!.text;
    const pin = publicKeyFingerprint(cert).toUpperCase();

    [client, strict] = await Promise.all([
      startClient({
        release,
        // The page's TLSRPT and raw-public-key main.cf blocks, with opportunistic TLS for the other routes.
        main: `${mainBlockSetting('smtp_tlsrpt_enable')}\n${mainBlockSetting('smtp_tls_fingerprint_digest')}\nsmtp_tls_security_level = may\n`,
        master: `${localizeMaster(substitute(rpkMaster, { [PAGE_KEY_PIN]: pin }), {})}
mandatory unix - - n - - smtp -o smtp_tls_security_level=encrypt
enforce unix - - n - - smtp -o smtp_requiretls_policy=enforce
starttls unix - - n - - smtp -o smtp_requiretls_policy=opportunistic+starttls`,
        routes: {
          'tls.test': hop(tlsPort),
          'plain.test': hop(plainPort),
          'rpk.test': `relay-rpk:${hop(tlsPort)}`,
          'must.test': `mandatory:${hop(plainPort)}`,
          'enforce.test': `enforce:${hop(tlsPort)}`,
          'starttls.test': `starttls:${hop(plainPort)}`,
          'reject.test': hop(rejectPort),
          'hold.test': hop(holdPort),
          'sender.test': hop(holdPort),
        },
      }),
      startClient({
        release,
        // The page's "TLS-Required: no" opt-out.
        main: mainBlockSetting('tls_required_enable'),
        master: 'mandatory unix - - n - - smtp -o smtp_tls_security_level=encrypt',
        routes: { 'must.test': `mandatory:${hop(plainPort)}`, 'sender.test': hop(holdPort) },
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), strict?.stop(), mx?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('postconf -d shows the 3.10 parameters and their defaults', async () => {
    const { stdout } = await client!.postconf('-d', 'smtp_tlsrpt_enable', 'smtp_tlsrpt_socket_name', 'tls_required_enable', 'smtpd_hide_client_session',
      'smtp_tls_enable_rpk', 'smtpd_tls_enable_rpk', 'tls_config_file', 'tls_config_name');
    expect(stdout).toBe(`smtp_tlsrpt_enable = no
smtp_tlsrpt_socket_name =
tls_required_enable = yes
smtpd_hide_client_session = no
smtp_tls_enable_rpk = no
smtpd_tls_enable_rpk = no
tls_config_file = default
tls_config_name =
`);
  });

  it(is311 ? 'TLSRPT on 3.11 reports resumed handshakes by default (smtp_tlsrpt_skip_reused_handshakes = no)' : 'TLSRPT on 3.10 skips resumed handshakes (smtp_tlsrpt_skip_reused_handshakes = yes)', async () => {
    const { stdout } = await client!.postconf('-d', 'smtp_tlsrpt_skip_reused_handshakes');
    expect(stdout).toBe(`smtp_tlsrpt_skip_reused_handshakes = ${is311 ? 'no' : 'yes'}\n`);
  });

  it(is311 ? 'postconf -d shows the 3.11 REQUIRETLS parameters and their defaults' : 'the REQUIRETLS parameters are unknown to 3.10', async () => {
    const names = ['requiretls_enable', 'requiretls_redact_dsn', 'requiretls_esmtp_header', 'smtp_requiretls_policy', 'lmtp_requiretls_policy', 'smtp_log_tls_feature_status'];
    const { stdout, stderr } = await client!.postconf('-d', ...names);
    if (is311) {
      expect(stdout).toBe(`requiretls_enable = yes
requiretls_redact_dsn = yes
requiretls_esmtp_header = yes
smtp_requiretls_policy = inline:{{\${domain_to_ascii{$mydomain}}=opportunistic}, {.\${domain_to_ascii{$mydomain}}=opportunistic}, {localhost=opportunistic}}, cidr:{{0.0.0.0/0 opportunistic}, {::/0 opportunistic}}, enforce
lmtp_requiretls_policy = opportunistic
smtp_log_tls_feature_status = yes
`);
    } else {
      expect(stdout).toBe('');
      for (const n of names) expect(stderr).toContain(`warning: ${n}: unknown parameter`);
    }
    // The page's command prints the two policies (3.11) or nothing but warnings (3.10).
    const page = await runShellBlock('whats-new-since-3-8', 'requiretls-defaults', { instance: client! });
    if (is311) expect(page.stdout).toBe(stdout.split('\n').filter((l) => /^(smtp|lmtp)_requiretls_policy =/.test(l)).join('\n') + '\n');
    else expect(page.stderr).toContain('warning: smtp_requiretls_policy: unknown parameter');
  });

  it(is311 ? 'the client default level is the 3.11 compatibility-level expression' : 'the client default level is empty on 3.10', async () => {
    const { stdout } = await client!.postconf('-d', 'smtp_tls_security_level');
    expect(stdout).toBe(is311 ? 'smtp_tls_security_level = ${{$compatibility_level} <level {3.11} ? {} : {may}}\n' : 'smtp_tls_security_level =\n');
  });

  it(is311 ? 'postconf warns about smtp_use_tls and, new in 3.11, about smtp_tls_enforce_peername' : 'postconf warns about smtp_use_tls but not yet about smtp_tls_enforce_peername', async () => {
    const dir = mkdtempSync(join(work, 'conf-'));
    writeFileSync(join(dir, 'main.cf'), 'smtp_use_tls = yes\nsmtp_tls_enforce_peername = no\n');
    writeFileSync(join(dir, 'master.cf'), '');
    const res = await capture(client!.command('postconf'), ['-c', dir, '-n']);
    expect(res.stderr).toMatch(/warning: \S+\/main\.cf: support for parameter "smtp_use_tls" will be removed; instead, specify "smtp_tls_security_level"/);
    const peername = /warning: \S+\/main\.cf: support for parameter "smtp_tls_enforce_peername" will be removed; instead, specify "smtp_tls_security_level"/;
    if (is311) expect(res.stderr).toMatch(peername);
    else expect(res.stderr).not.toMatch(peername);
  });

  it('the page\'s TLSRPT settings on a build without libtlsrpt only log a warning, and mail still goes out', async () => {
    const d = await waitForDelivery(client!, await injectWith(client!, 'user@tls.test', { subject: 'tlsrpt proof' }));
    expect(d.status).toBe('sent');
    expect(client!.log()).toMatch(/postfix\/smtp\[\d+\]: warning: TLSRPT is selected, but TLSRPT is not compiled in/);
  });

  it(is311 ? 'delivery lines carry tls=may or tls=may:none between delays= and dsn=' : 'delivery lines on 3.10 have no tls= field', async () => {
    const tls = await waitForDelivery(client!, await injectWith(client!, 'user@tls.test', { subject: 'tls field proof' }));
    const plain = await waitForDelivery(client!, await injectWith(client!, 'user@plain.test', { subject: 'tls field plain proof' }));
    expect([tls.status, plain.status]).toEqual(['sent', 'sent']);
    if (is311) {
      expect(tls.line).toMatch(/ delays=[\d.\/]+, tls=may, dsn=2\.0\.0, status=sent/);
      expect(plain.line).toMatch(/ delays=[\d.\/]+, tls=may:none, dsn=2\.0\.0, status=sent/);
    } else {
      expect(tls.line).not.toMatch(/ tls=/);
      expect(plain.line).not.toMatch(/ tls=/);
    }
  });

  it('"TLS-Required: no" lets a message through a mandatory-TLS route in plaintext; without it the message waits', async () => {
    const plainBefore = countLog(mx!, plainSinkSessions);
    const withHeader = await waitForDelivery(client!, await injectWith(client!, 'user@must.test', { subject: 'tls-required no proof', headers: ['TLS-Required: no'] }));
    expect(withHeader.status).toBe('sent');
    expect(withHeader.line).toContain(`relay=127.0.0.1[127.0.0.1]:${plainPort}`);
    await waitForCount(mx!, plainSinkSessions, plainBefore + 1);
    if (is311) expect(withHeader.line).toMatch(/ tls=may:none, dsn=2\.0\.0/);
    const without = await waitForDelivery(client!, await injectWith(client!, 'user@must.test', { subject: 'tls-required absent proof' }));
    expect(without.status).toBe('deferred');
    expect(without.line).toMatch(/TLS is required, but was not offered/);
    if (is311) expect(without.line).toMatch(/ tls=!encrypt, dsn=4\.7\.4, status=deferred/);
  });

  it('with the page\'s tls_required_enable = no, the header no longer lowers the policy', async () => {
    const d = await waitForDelivery(strict!, await injectWith(strict!, 'user@must.test', { subject: 'tls-required disabled proof', headers: ['TLS-Required: no'] }));
    expect(d.status).toBe('deferred');
    expect(d.line).toMatch(/TLS is required, but was not offered/);
  });

  it('a bounce of a "TLS-Required: no" message carries the header too, and the whole original message', async () => {
    const id = await injectWith(client!, 'user@reject.test', { subject: 'tls-required bounce proof', headers: ['TLS-Required: no'] });
    expect((await waitForDelivery(client!, id)).status).toBe('bounced');
    const bounce = await heldMessage('tls-required bounce proof', true);
    expect(bounce).toMatch(/^TLS-Required: no$/m);
    expect(bounce).toContain('BODY-MARKER tls-required bounce proof');
  });

  it('the page\'s relay-rpk transport, pinned by public-key digest, delivers to a server that sends a certificate', async () => {
    const d = await waitForDelivery(client!, await injectWith(client!, 'user@rpk.test', { subject: 'rpk proof' }));
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${tlsPort}`);
    expect(client!.log()).toMatch(new RegExp(`Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${tlsPort}: TLSv1\\.3`));
    if (is311) expect(d.line).toMatch(/ tls=fingerprint, dsn=2\.0\.0/);
  });

  it('smtpd_hide_client_session = yes writes a Received header without the client session', async () => {
    const send = async (port: number) => {
      const res = await capture('swaks', ['--server', `127.0.0.1:${port}`, '--from', SENDER, '--to', 'user@hold.test', '--ehlo', 'submitter.test'], '', 20_000);
      const m = /queued as ([0-9A-Za-z]+)/.exec(res.stdout);
      if (!m) throw new Error(`swaks: ${res.stdout}${res.stderr}`);
      return contents(await postcat(m[1]!));
    };
    const normal = await send(holdPort);
    const hidden = await send(hidePort);
    expect(normal).toMatch(/Received: from submitter\.test \(localhost \[127\.0\.0\.1\]\)/);
    expect(hidden).toMatch(/Received: by mx\.test\.example \(Postfix\) id [0-9A-F]+/);
    expect(hidden).not.toMatch(/submitter\.test|127\.0\.0\.1|with E?SMTP/);
  });

  it('built with OpenSSL 3.0, the group defaults are the classical lists (no hybrid group), and handshakes use X25519', async () => {
    const { stdout } = await runShellBlock('whats-new-since-3-8', 'group-defaults', { instance: client! });
    expect(stdout).toBe(`tls_eecdh_auto_curves = ${CURVES_OPENSSL_30}\ntls_ffdhe_auto_groups = ffdhe2048 ffdhe3072\n`);
    expect((await waitForDelivery(client!, await injectWith(client!, 'user@tls.test', { subject: 'groups proof' }))).status).toBe('sent');
    expect(client!.log()).toMatch(new RegExp(`TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${tlsPort}: TLSv1\\.3 with cipher \\S+ \\(\\d+/\\d+ bits\\) key-exchange [Xx]25519 `));
  });

  it('emptying both group lists swaps Postfix\'s list for OpenSSL\'s own (with OpenSSL 3.0: ffdhe4096 becomes usable)', async () => {
    const ffdhe4096 = ['-tls1_3', '-groups', 'ffdhe4096'];
    expect((await starttlsProbe(tlsPort, ffdhe4096)).stderr).not.toMatch(/Protocol version: TLSv1\.3/);
    expect((await starttlsProbe(tlsPort, ['-tls1_3', '-groups', 'ffdhe2048'])).stderr).toMatch(/Protocol version: TLSv1\.3/);
    expect((await starttlsProbe(emptyGroupsPort, ffdhe4096)).stderr).toMatch(/Protocol version: TLSv1\.3/);
  });

  it('a hybrid-only list on OpenSSL 3.0 is ignored with a warning, and Postfix falls back to its default groups', async () => {
    const probe = await starttlsProbe(hybridPort, ['-tls1_3', '-groups', 'X25519']);
    expect(probe.stderr).toMatch(/Protocol version: TLSv1\.3/);
    await mx!.waitForLog(/warning: none of the configured key exchange groups are supported/);
    await mx!.waitForLog(/warning: using Postfix default key exchange groups instead/);
  });

  it(is311 ? 'the 3.11 server announces REQUIRETLS only inside TLS' : 'the 3.10 server does not announce REQUIRETLS', async () => {
    const plain = await capture('swaks', ['--server', `127.0.0.1:${tlsPort}`, '--quit-after', 'EHLO', '--ehlo', 'probe.test'], '', 20_000);
    const tls = await capture('swaks', ['--server', `127.0.0.1:${tlsPort}`, '--tls', '--quit-after', 'EHLO', '--ehlo', 'probe.test'], '', 20_000);
    expect(plain.stdout).toMatch(/<-  250-STARTTLS/);
    expect(plain.stdout).not.toMatch(/REQUIRETLS/);
    // swaks marks replies read inside TLS with <~
    expect(tls.stdout).toMatch(/<~  250 /);
    if (is311) expect(tls.stdout).toMatch(/<~  250[- ]REQUIRETLS/);
    else expect(tls.stdout).not.toMatch(/REQUIRETLS/);
  });

  describe('REQUIRETLS requests (sendmail -O requiretls=yes)', () => {
    const request = async (to: string, subject: string, headers: string[] = []): Promise<Delivery> => {
      const res = await sendmailWith(client!, to, subject, ['-O', 'requiretls=yes'], headers);
      expect(res.status).toBe(0);
      return waitForRecipient(client!, to);
    };

    it(is311 ? 'the default policy is opportunistic for an IP next hop: REQUIRETLS is sent over TLS without a certificate match' : '3.10 ignores the request and delivers as usual', async () => {
      const d = await request('rt@tls.test', 'requiretls default tls');
      expect(d.status).toBe('sent');
      if (is311) expect(d.line).toMatch(/ tls=may\/requiretls:nocertmatch, dsn=2\.0\.0/);
      else expect(d.line).not.toMatch(/ tls=/);
    });

    it(is311 ? 'opportunistic, to a server without STARTTLS: delivered without REQUIRETLS (requiretls:none)' : '3.10 delivers the request to a plaintext server as usual', async () => {
      const d = await request('rt@plain.test', 'requiretls default plain');
      expect(d.status).toBe('sent');
      if (is311) expect(d.line).toMatch(/ tls=may:none\/requiretls:none, dsn=2\.0\.0/);
    });

    it(is311 ? 'enforce at the may level returns the message (5.7.10, !requiretls:nocertmatch) with a redacted bounce' : '3.10 ignores smtp_requiretls_policy = enforce', async () => {
      const d = await request('rt@enforce.test', 'requiretls enforce');
      if (is311) {
        expect(d.status).toBe('bounced');
        // No connection is made: the may level never checks certificates, so the level stays undecided (may?).
        expect(d.line).toMatch(/ relay=none, .* tls=may\?\/!requiretls:nocertmatch, dsn=5\.7\.10, status=bounced \(Sender requested REQUIRETLS, but my configured TLS security level 'may' disables certificate matching/);
        const bounce = await heldMessage('requiretls enforce', true);
        expect(bounce).toContain('text/rfc822-headers');
        expect(bounce).not.toContain('BODY-MARKER requiretls enforce');
        // The bounce itself went out without REQUIRETLS (plain opportunistic delivery, no /requiretls).
        const heldId = /\*\*\* ENVELOPE RECORDS hold\/([0-9A-F]+) /.exec(bounce)![1]!;
        const [bounceLine] = await client!.waitForLog(new RegExp(`to=<${SENDER}>.* status=sent \\(250 2\\.0\\.0 Ok: queued as ${heldId}\\)`));
        expect(bounceLine).toMatch(/ tls=may:none, dsn=2\.0\.0/);
      } else {
        expect(d.status).toBe('sent');
      }
    });

    it(is311 ? 'opportunistic+starttls returns the message when the server offers no STARTTLS (!requiretls:nostarttls)' : '3.10 ignores opportunistic+starttls', async () => {
      const d = await request('rt@starttls.test', 'requiretls starttls');
      if (is311) {
        expect(d.status).toBe('bounced');
        expect(d.line).toMatch(new RegExp(`relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${plainPort}, .* tls=may\\?/!requiretls:nostarttls, dsn=5\\.7\\.30, status=bounced \\(Sender requested REQUIRETLS, but TLS service was not offered`));
      } else {
        expect(d.status).toBe('sent');
      }
    });

    it(is311 ? 'a REQUIRETLS request overrides "TLS-Required: no"' : 'on 3.10 "TLS-Required: no" still applies (no REQUIRETLS)', async () => {
      const d = await request('rt@must.test', 'requiretls overrides header', ['TLS-Required: no']);
      if (is311) {
        expect(d.status).toBe('deferred');
        expect(d.line).toMatch(/TLS is required, but was not offered/);
      } else {
        expect(d.status).toBe('sent');
      }
    });

    it(is311 ? 'a "Require-TLS-ESMTP: yes" header on mail received over SMTP counts as a REQUIRETLS request' : '3.10 ignores a "Require-TLS-ESMTP: yes" header', async () => {
      const d = await waitForDelivery(client!, await injectWith(client!, 'hdr@enforce.test', { subject: 'requiretls by header', headers: ['Require-TLS-ESMTP: yes'] }));
      if (is311) {
        expect(d.status).toBe('bounced');
        expect(d.line).toMatch(/ tls=may\?\/!requiretls:nocertmatch, dsn=5\.7\.10, status=bounced/);
      } else {
        expect(d.status).toBe('sent');
      }
    });

    it(is311 ? 'the request is recorded in a Require-TLS-ESMTP: yes header' : '3.10 adds no Require-TLS-ESMTP header', async () => {
      expect((await request('rt@hold.test', 'requiretls header')).status).toBe('sent');
      const held = await heldMessage('BODY-MARKER requiretls header');
      if (is311) expect(held).toMatch(/^Require-TLS-ESMTP: yes$/m);
      else expect(held).not.toMatch(/Require-TLS-ESMTP/);
    });
  });

  it("the page's apply command and roll back: the TLS-Required opt-out and the TLSRPT setting are gone after the reload", async () => {
    const applied = await runShellBlock('whats-new-since-3-8', 'apply', { instance: strict! });
    expect(applied.code, applied.out).toBe(0);
    for (const pf of [strict!, client!]) {
      const res = await runShellBlock('whats-new-since-3-8', 'rollback', { instance: pf });
      expect(res.code, res.out).toBe(0);
      expect((await pf.postconf('-n')).stdout).not.toMatch(/^(smtp_tlsrpt_enable|smtp_tlsrpt_socket_name|tls_required_enable) =/m);
      await waitForCount(pf, /reload -- version/, pf === strict ? 2 : 1);
    }
    await new Promise((r) => setTimeout(r, 500));
    // tls_required_enable is back at its default (yes): the header lowers the mandatory route to may again.
    const d = await waitForDelivery(strict!, await injectWith(strict!, 'user@must.test', { subject: 'tls-required rolled back', headers: ['TLS-Required: no'] }));
    expect(d.status).toBe('sent');
    // smtp_tlsrpt_enable is back at no: a delivery logs no TLSRPT warning.
    const warnings = countLog(client!, /TLSRPT is selected, but TLSRPT is not compiled in/);
    expect((await waitForDelivery(client!, await injectWith(client!, 'user@tls.test', { subject: 'tlsrpt rolled back' }))).status).toBe('sent');
    expect(countLog(client!, /TLSRPT is selected, but TLSRPT is not compiled in/)).toBe(warnings);
  });

  it("the page's raw-public-key roll back drops smtp_tls_enable_rpk; the public-key pin still delivers", async () => {
    const res = await runShellBlock('whats-new-since-3-8', 'rollback-rpk', { instance: client! });
    expect(res.code, res.out).toBe(0);
    const services = (await client!.postconf('-P')).stdout;
    expect(services).toMatch(/^relay-rpk\/unix\/smtp_tls_security_level = fingerprint$/m);
    expect(services).not.toMatch(/^relay-rpk\/unix\/smtp_tls_enable_rpk/m);
    await waitForCount(client!, /reload -- version/, 2);
    const d = await waitForDelivery(client!, await injectWith(client!, 'user@rpk.test', { subject: 'rpk rolled back' }));
    expect(d.status).toBe('sent');
  });
});
