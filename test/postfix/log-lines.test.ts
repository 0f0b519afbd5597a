// Provokes TLS events on real Postfix instances and checks that the log explainer explains the lines
// Postfix actually wrote, with the expected pattern.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import { explainLog, type ExplainedLine } from '../../src/lib/explain/explain-log.ts';
import type { LogPattern } from '../../src/lib/schema/log-pattern.ts';
import { createPki } from './certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from './harness.ts';
import { atLeast, testReleases } from './releases.ts';

const enabled = postfixTierAvailable();
const root = resolve(import.meta.dirname, '../..');

/** Polls the log written after `offset` until `pattern` matches (bounded), and returns that part of the log. */
async function logAfter(pf: PostfixInstance, offset: number, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = pf.log().slice(offset);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`log did not match ${pattern} within ${timeoutMs} ms; new log:\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(enabled).each(enabled ? testReleases() : [])('real Postfix $label log lines are explained by the expected patterns', (release) => {
  let patterns: LogPattern[] = [];
  let server: PostfixInstance | undefined;
  let client: PostfixInstance | undefined;
  let certDir = '';

  const explainOnly = (text: string, pattern: RegExp): ExplainedLine => {
    const hits = explainLog(text, patterns).filter((r) => pattern.test(r.raw));
    expect(hits, `exactly one line matching ${pattern} in:\n${text}`).toHaveLength(1);
    return hits[0]!;
  };
  const expectPattern = (text: string, line: RegExp, id: string) => {
    const r = explainOnly(text, line);
    expect(r.kind === 'explained' ? r.patternId : r.kind, r.raw).toBe(id);
    return r;
  };
  /** Every TLS-related line of `text` written by `program` is explained (none left "not recognised"). */
  const expectAllTlsLinesExplained = (text: string, program: string) => {
    const unexplained = explainLog(text, patterns).filter((r) => r.prefix?.program === program && r.kind === 'unrecognised-tls');
    expect(unexplained.map((r) => r.raw)).toEqual([]);
  };

  beforeAll(async () => {
    const { content, problems } = await loadContentDir(root);
    expect(problems.filter((p) => p.file.startsWith('content/log-patterns/'))).toEqual([]);
    patterns = content.logPatterns.map((e) => e.value);

    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const { key, cert } = createPki(certDir).server('mx.test.example');
    // The range form needs 3.6; older releases get the equivalent exclusion list.
    const floor = atLeast(release, '3.6') ? '>=TLSv1.2' : '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1';
    server = await startPostfix({
      release,
      hostname: 'mx.test.example',
      main: [
        `smtpd_tls_chain_files = ${key}, ${cert}`,
        'smtpd_tls_security_level = may',
        'smtpd_tls_loglevel = 1',
        `smtpd_tls_protocols = ${floor}`,
        `smtpd_tls_mandatory_protocols = ${floor}`,
        // Accept mail for any domain and throw it away: only the SMTP/TLS dialogue matters here.
        'relay_domains = static:ALL',
        'relay_transport = discard',
        'default_transport = discard',
      ].join('\n'),
      master: [
        '127.0.0.1:@PORT@ inet n - n - - smtpd',
        '127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_tls_security_level=encrypt',
      ].join('\n'),
      ports: 2,
    });
    client = await startPostfix({
      release,
      hostname: 'client.test.example',
      main: [
        'smtp_tls_loglevel = 1',
        // Mail for plaintext.test goes to the encrypt-only port with TLS switched off on this side.
        `transport_maps = inline:{plaintext.test=plaintext:[127.0.0.1]:${server.ports[1]}}`,
      ].join('\n'),
      master: [
        '127.0.0.1:@PORT@ inet n - n - - smtpd',
        'plaintext unix - - n - - smtp -o smtp_tls_security_level=none -o smtp_tls_note_starttls_offer=yes',
      ].join('\n'),
    });
  });

  afterAll(async () => {
    try {
      await client?.stop();
    } finally {
      await server?.stop();
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    }
  });

  it('an anonymous inbound TLS 1.3 session', async () => {
    const offset = server!.log().length;
    const probe = await starttlsProbe(server!.ports[0]!, ['-tls1_3']);
    expect(probe.stdout + probe.stderr).toMatch(/Protocol version: TLSv1\.3/);
    const text = await logAfter(server!, offset, /disconnect from localhost\[127\.0\.0\.1\] .*starttls=/);

    const r = expectPattern(text, /Anonymous TLS connection established from/, 'connection-anonymous-inbound');
    expect(r.kind === 'explained' && r.fields).toMatchObject({ peer: 'localhost[127.0.0.1]', protocol: 'TLSv1.3' });
    expect(r.prefix).toMatchObject({ host: 'mx', program: 'postfix/smtpd' });
    expectPattern(text, /lost connection after STARTTLS/, 'session-lost-after-starttls');
    expectPattern(text, /disconnect from .* starttls=1 /, 'session-disconnect-starttls-ok');
    expectAllTlsLinesExplained(text, 'postfix/smtpd');
  });

  it('a client that only offers TLSv1, refused by a TLSv1.2 floor in smtpd_tls_protocols', async () => {
    const offset = server!.log().length;
    await starttlsProbe(server!.ports[0]!, ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const text = await logAfter(server!, offset, /disconnect from localhost\[127\.0\.0\.1\] .*starttls=0\/1/);

    expectPattern(text, /SSL_accept error from/, 'handshake-ssl-accept-error');
    expectPattern(text, /TLS library problem: .*unsupported protocol/, 'openssl-unsupported-protocol');
    expectPattern(text, /lost connection after STARTTLS/, 'session-lost-after-starttls');
    expectPattern(text, /disconnect from .* starttls=0\/1/, 'session-disconnect-starttls-failed');
    expectAllTlsLinesExplained(text, 'postfix/smtpd');
  });

  it('a client that does not trust the server certificate: "certificate verify failed" there, "unknown ca" here', async () => {
    const offset = server!.log().length;
    // Only the system's CAs: the test CA is unknown to the client, which gives up on the handshake.
    const probe = await starttlsProbe(server!.ports[0]!, ['-verify_return_error']);
    const clientLine = probe.stderr.split('\n').find((l) => /certificate verify failed/.test(l));
    expect(clientLine, probe.stderr).toBeDefined();
    expectPattern(clientLine!, /certificate verify failed/, 'openssl-certificate-verify-failed');

    const text = await logAfter(server!, offset, /disconnect from localhost\[127\.0\.0\.1\] .*starttls=0\/1/);
    expectPattern(text, /TLS library problem: .*alert unknown ca/, 'openssl-alert-unknown-ca');
    expectAllTlsLinesExplained(text, 'postfix/smtpd');
  });

  it('a plaintext Postfix client against the encrypt level: "Must issue a STARTTLS command first"', async () => {
    const offset = client!.log().length;
    const inject = await capture('swaks', ['--server', `127.0.0.1:${client!.ports[0]}`, '--from', 'sender@client.test.example',
      '--to', 'someone@plaintext.test', '--ehlo', 'inject.test', '--timeout', '15']);
    expect(inject.stdout).toMatch(/<-\s+250 2\.0\.0 Ok: queued/);
    const text = await logAfter(client!, offset, /to=<someone@plaintext\.test>.*status=(bounced|deferred)/, 30_000);

    const r = expectPattern(text, /to=<someone@plaintext\.test>.*status=/, 'delivery-must-issue-starttls');
    expect(r.kind === 'explained' && r.fields.peer).toBe('127.0.0.1[127.0.0.1]');
    expectPattern(text, /Host offered STARTTLS/, 'session-host-offered-starttls');
    expectAllTlsLinesExplained(text, 'postfix/smtp');
  });
});
