import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, smtpDialogue, startPostfix, writeConfigFile, type PostfixInstance } from '../harness.ts';
import { blockTitled, certFingerprint, countLog, installPolicy, textBlockTitled, waitForCount } from '../outbound.ts';
import { runShellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();
const SLUG = 'require-tls-from-some-senders';
const PARTNER_IP = '127.0.0.2'; // stands in for the page's 192.0.2.10
// The placeholder fingerprint printed on the page; the test swaps in its partner certificate's.
const PAGE_FP = '30:7D:AB:77:49:B3:69:7D:93:0B:AB:79:44:FC:57:3C:52:76:F4:FF:15:D4:26:92:71:93:7A:22:9B:5C:81:CA';

interface Attempt { from?: string; sender?: string; tls?: boolean; cert?: { key: string; cert: string } }

/** One SMTP session with swaks up to RCPT TO; returns swaks' transcript. */
async function attempt(port: number, a: Attempt = {}): Promise<string> {
  const res = await capture('swaks', ['--server', `127.0.0.1:${port}`, '--local-interface', a.from ?? '127.0.0.1', '--ehlo', 'mail.partner.example',
    '--from', a.sender ?? 'someone@partner.example', '--to', 'postmaster@example.com', '--quit-after', 'RCPT',
    ...(a.tls ? ['--tls'] : []), ...(a.cert ? ['--tls-cert', a.cert.cert, '--tls-key', a.cert.key] : [])], '', 20_000);
  return res.stdout + res.stderr;
}

/** A raw plaintext dialogue from a chosen source address: the greeting, then one reply per command. */
const dialogue = (port: number, localAddress: string, commands: string[]) => smtpDialogue(port, commands, { localAddress });

const ACCEPTED = /<[-~]\s+250 2\.1\.5 Ok/;
const PLAINTEXT_REFUSED = /<\*\*\s+450 4\.7\.1 Session encryption is required/;

describe.runIf(enabled).each(enabled ? proofReleases('require-tls-from-some-senders') : [])('recipe: require-tls-from-some-senders on Postfix $label', (release) => {
  let work = '';
  let byClient: PostfixInstance | undefined;
  let bySender: PostfixInstance | undefined;
  let byCert: PostfixInstance | undefined;
  let clientsTable = '';
  let partner = { key: '', cert: '' };
  let stranger = { key: '', cert: '' };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-reqtls-'));
    // installPolicy runs postmap with `-c work`: give it a main.cf that is not brand new, or postmap waits
    // about two seconds for the file to settle.
    writeConfigFile(join(work, 'main.cf'), '');
    const pki = createPki(work);
    const mx = pki.server('mx.example.com');
    partner = pki.server('mail.partner.example');
    stranger = pki.server('other.example.net');
    const files = { '/etc/postfix/tls/mx.key.pem': mx.key, '/etc/postfix/tls/mx.fullchain.pem': mx.cert };
    // Test scaffolding: the server accepts mail for every address at example.com (a relay domain with no
    // recipient list; the sessions end at RCPT TO). The harness already sets mydestination. A second entry
    // makes every Postfix program warn "overriding earlier entry" through postlogd, and a postlogd restarted
    // by `postfix reload` can block sending its own warning to its full socket, hanging every later command.
    const scaffold = 'relay_domains = example.com\nrelay_recipient_maps =\n';

    clientsTable = join(work, 'tls_required_clients.cidr');
    writeFileSync(clientsTable, substitute(textBlockTitled(SLUG, '/etc/postfix/tls_required_clients.cidr'), { '192.0.2.10 ': `${PARTNER_IP} ` }));
    const base = substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, { ...files, '/etc/postfix/tls_required_clients.cidr': clientsTable });
    const restrictions = /^smtpd_recipient_restrictions = (.*)$/m.exec(base)![1]!;
    // The two variants replace the page's smtpd_recipient_restrictions line rather than repeat it.
    const baseWithout = base.replace(/^smtpd_recipient_restrictions = .*\n?/m, '');
    expect(baseWithout).not.toMatch(/smtpd_recipient_restrictions/);
    byClient = await startPostfix({
      release,
      ports: 3,
      main: `${base}\n${scaffold}`,
      // @PORT2@: the same check moved to smtpd_client_restrictions with smtpd_delay_reject = no (a mistake);
      // @PORT3@: in smtpd_client_restrictions with the default smtpd_delay_reject = yes.
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_delay_reject=no -o smtpd_recipient_restrictions= -o smtpd_client_restrictions=${restrictions.replace(/\s+/g, ',')}
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_recipient_restrictions= -o smtpd_client_restrictions=${restrictions.replace(/\s+/g, ',')}`,
    });

    const senders = await installPolicy(work, textBlockTitled(SLUG, '/etc/postfix/tls_required_senders'), 'tls_required_senders', release);
    bySender = await startPostfix({
      release,
      main: `${baseWithout}\n${substitute(blockTitled(SLUG, '/etc/postfix/main.cf (keyed by sender domain)').text, { 'hash:/etc/postfix/tls_required_senders': senders })}\n${scaffold}`,
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });

    const certsTable = await installPolicy(work, substitute(textBlockTitled(SLUG, '/etc/postfix/partner_certs'), { [PAGE_FP]: certFingerprint(partner.cert) }), 'partner_certs', release);
    const partnerClients = join(work, 'partner_clients.cidr');
    writeFileSync(partnerClients, substitute(textBlockTitled(SLUG, '/etc/postfix/partner_clients.cidr'), { '192.0.2.10 ': `${PARTNER_IP} ` }));
    byCert = await startPostfix({
      release,
      main: `${baseWithout}\n${substitute(blockTitled(SLUG, '/etc/postfix/main.cf (certificate required from the partner)').text, {
        'hash:/etc/postfix/partner_certs': certsTable, '/etc/postfix/partner_clients.cidr': partnerClients,
      })}\n${scaffold}`,
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });
  });

  afterAll(async () => {
    await Promise.allSettled([byClient?.stop(), bySender?.stop(), byCert?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('the listed address gets 450 "Session encryption is required" in plaintext and is accepted after STARTTLS', async () => {
    const port = byClient!.ports[0]!;
    const plain = await attempt(port, { from: PARTNER_IP });
    expect(plain).toMatch(/<-\s+250[ -]STARTTLS/);
    expect(plain).toMatch(PLAINTEXT_REFUSED);
    await byClient!.waitForLog(/NOQUEUE: reject: RCPT from \S+\[127\.0\.0\.2\]: 450 4\.7\.1 Session encryption is required; from=<someone@partner\.example> to=<postmaster@example\.com>/);
    const tls = await attempt(port, { from: PARTNER_IP, tls: true });
    expect(tls).toMatch(ACCEPTED);
    await byClient!.waitForLog(/TLS connection established from \S+\[127\.0\.0\.2\]/);
  });

  it('any other address is accepted in plaintext, with STARTTLS only offered', async () => {
    const plain = await attempt(byClient!.ports[0]!, { from: '127.0.0.1' });
    expect(plain).toMatch(/<-\s+250[ -]STARTTLS/);
    expect(plain).toMatch(ACCEPTED);
  });

  it("the page's lookup commands: the partner's entry and the default 450", async () => {
    const res = await runShellBlock('require-tls-from-some-senders', 'lookup', { instance: byClient!, replacements: { '192.0.2.10': PARTNER_IP, '/etc/postfix/tls_required_clients.cidr': clientsTable } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toBe('reject_plaintext_session\nplaintext_reject_code = 450\n');
  });

  it('in smtpd_client_restrictions with the default smtpd_delay_reject the rule works the same', async () => {
    const port = byClient!.ports[2]!;
    expect(await attempt(port, { from: PARTNER_IP })).toMatch(PLAINTEXT_REFUSED);
    expect(await attempt(port, { from: PARTNER_IP, tls: true })).toMatch(ACCEPTED);
    expect(await attempt(port, { from: '127.0.0.1' })).toMatch(ACCEPTED);
  });

  it('with smtpd_delay_reject = no in smtpd_client_restrictions the partner is refused before STARTTLS is possible', async () => {
    const port = byClient!.ports[1]!;
    const tls = await attempt(port, { from: PARTNER_IP, tls: true });
    expect(tls).toMatch(/<\*\*\s+450 4\.7\.1 Session encryption is required/);
    expect(tls).not.toMatch(ACCEPTED);
    const [greeting, ehlo, starttls] = await dialogue(port, PARTNER_IP, ['EHLO mail.partner.example', 'STARTTLS', 'QUIT']);
    expect(greeting).toMatch(/^450 4\.7\.1 Session encryption is required/);
    expect(ehlo).toMatch(/^503 5\.7\.0 Error: access denied for \S+\[127\.0\.0\.2\]/);
    expect(starttls).toMatch(/^503 5\.7\.0 Error: access denied/);
    expect(await attempt(port, { from: '127.0.0.1' })).toMatch(ACCEPTED);
  });

  it('keyed by sender domain: the partner domain needs TLS from any address; other senders and bounces pass in plaintext', async () => {
    const port = bySender!.ports[0]!;
    expect(await attempt(port, { from: '127.0.0.1', sender: 'someone@partner.example' })).toMatch(PLAINTEXT_REFUSED);
    expect(await attempt(port, { from: '127.0.0.1', sender: 'someone@partner.example', tls: true })).toMatch(ACCEPTED);
    // The partner's own server with another envelope sender, or a bounce, is not covered.
    expect(await attempt(port, { from: PARTNER_IP, sender: 'news@partner-mailer.example' })).toMatch(ACCEPTED);
    const bounce = await attempt(port, { from: PARTNER_IP, sender: '<>' });
    expect(bounce).toMatch(/-> MAIL FROM:<>\r?\n/);
    expect(bounce).toMatch(ACCEPTED);
  });

  it("the page's table commands build the sender table and reload", async () => {
    const file = join(work, 'page_tls_required_senders');
    writeFileSync(file, textBlockTitled(SLUG, '/etc/postfix/tls_required_senders'));
    const reloads = countLog(bySender!, /reload -- version/);
    const res = await runShellBlock('require-tls-from-some-senders', 'apply-senders', { instance: bySender!, replacements: { '/etc/postfix/tls_required_senders': file } });
    expect(res.code, res.out).toBe(0);
    expect(res.stderr).not.toMatch(/overriding earlier entry/);
    await waitForCount(bySender!, /reload -- version/, reloads + 1);
    expect((await capture(bySender!.command('postmap'), ['-c', bySender!.dir, '-q', 'partner.example', `hash:${file}`])).stdout).toBe('reject_plaintext_session\n');
  });

  it('with the certificate variant only the listed certificate is accepted from the partner; others are unaffected', async () => {
    const port = byCert!.ports[0]!;
    expect(await attempt(port, { from: PARTNER_IP })).toMatch(PLAINTEXT_REFUSED);
    const noCert = await attempt(port, { from: PARTNER_IP, tls: true });
    const deferred = /<~\*\s+450 4\.3\.2 <\S+\[127\.0\.0\.2\]>: Client host rejected: Try again later/;
    expect(noCert).toMatch(deferred);
    expect(noCert).not.toMatch(ACCEPTED);
    const wrongCert = await attempt(port, { from: PARTNER_IP, tls: true, cert: stranger });
    expect(wrongCert).toMatch(deferred);
    expect(await attempt(port, { from: PARTNER_IP, tls: true, cert: partner })).toMatch(ACCEPTED);
    expect(await attempt(port, { from: '127.0.0.1' })).toMatch(ACCEPTED);
    expect(await attempt(port, { from: '127.0.0.1', tls: true })).toMatch(ACCEPTED);
  });

  it("the page's certificate table commands build the table and reload", async () => {
    const file = join(work, 'page_partner_certs');
    writeFileSync(file, substitute(textBlockTitled(SLUG, '/etc/postfix/partner_certs'), { [PAGE_FP]: certFingerprint(partner.cert) }));
    const reloads = countLog(byCert!, /reload -- version/);
    const res = await runShellBlock('require-tls-from-some-senders', 'apply-certs', { instance: byCert!, replacements: { '/etc/postfix/partner_certs': file } });
    expect(res.code, res.out).toBe(0);
    expect(res.stderr).not.toMatch(/overriding earlier entry/);
    await waitForCount(byCert!, /reload -- version/, reloads + 1);
  });

  it("the page's log check finds the rejection, and the roll back accepts the partner in plaintext again", async () => {
    const log = await runShellBlock('require-tls-from-some-senders', 'log-check', { replacements: { '/var/log/mail.log': join(byClient!.dir, 'maillog') } });
    expect(log.stdout).toMatch(/RCPT from \S+\[127\.0\.0\.2\]: 450 4\.7\.1 Session encryption is required/);
    const apply = await runShellBlock('require-tls-from-some-senders', 'apply', { instance: byClient! });
    expect(apply.code, apply.out).toBe(0);
    expect(apply.stderr).not.toMatch(/overriding earlier entry/);
    const reloads = countLog(byClient!, /reload -- version/);
    const res = await runShellBlock('require-tls-from-some-senders', 'roll-back', { instance: byClient! });
    expect(res.code, res.out).toBe(0);
    expect((await byClient!.postconf('-n', 'smtpd_recipient_restrictions')).stdout).toBe('');
    await waitForCount(byClient!, /reload -- version/, reloads + 1);
    // Reloaded services start fresh processes; retry briefly until one runs with the new setting.
    const deadline = Date.now() + 10_000;
    let out = await attempt(byClient!.ports[0]!, { from: PARTNER_IP });
    while (!ACCEPTED.test(out) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      out = await attempt(byClient!.ports[0]!, { from: PARTNER_IP });
    }
    expect(out).toMatch(ACCEPTED);
  });
});
