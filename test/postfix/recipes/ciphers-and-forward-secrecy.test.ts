import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from '../harness.ts';
import { localizeMaster, recipeBlocks, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled)('recipe: ciphers-and-forward-secrecy', () => {
  let pf: PostfixInstance | undefined;
  let certDir = '';
  // @PORT@ = port 25 as on the page, @PORT2@ = the same with server preference, @PORT3@ = the page's submission.
  let mx = 0;
  let preempt = 0;
  let submission = 0;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const { key, cert } = createPki(certDir).server('mx.test.example', 'rsa');
    const { main, master } = recipeBlocks('ciphers-and-forward-secrecy');
    pf = await startPostfix({
      ports: 3,
      main: `${substitute(main, { '/etc/postfix/tls/mx.key.pem': key, '/etc/postfix/tls/mx.fullchain.pem': cert })}
smtpd_tls_loglevel = 1
`,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o tls_preempt_cipherlist=yes
${localizeMaster(master, { submission: '127.0.0.1:@PORT3@' })}`,
    });
    [mx, preempt, submission] = pf.ports as [number, number, number];
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('medium and high select the same TLS 1.2 suites with OpenSSL 3', async () => {
    const diff = `diff <(openssl ciphers -s -tls1_2 "$(postconf -dh tls_medium_cipherlist)" | tr : '\\n') \\
     <(openssl ciphers -s -tls1_2 "$(postconf -dh tls_high_cipherlist)" | tr : '\\n') && echo identical`;
    const res = await capture('env', [`MAIL_CONFIG=${pf!.dir}`, 'bash', '-c', diff]);
    expect(res.stdout.trim()).toBe('identical');
  });

  it('follows the client\'s order by default and its own with tls_preempt_cipherlist = yes', async () => {
    const client = ['-tls1_2', '-cipher', 'AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384'];
    expect((await starttlsProbe(mx, client)).stderr).toMatch(/Ciphersuite: AES256-GCM-SHA384\n/);
    expect((await starttlsProbe(preempt, client)).stderr).toMatch(/Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384\n/);
  });

  it('the submission service with mandatory high ciphers requires STARTTLS and accepts current clients', async () => {
    const plain = await capture('swaks', ['--server', `127.0.0.1:${submission}`, '--quit-after', 'MAIL', '--from', 'user@example.org']);
    expect(plain.stdout).toMatch(/<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
    expect((await starttlsProbe(submission, ['-tls1_3'])).stderr).toMatch(/Protocol version: TLSv1\.3/);
    expect((await starttlsProbe(submission, ['-tls1_2'])).stderr).toMatch(/Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384/);
  });

  it('logs the key exchange group of a TLS 1.3 session', async () => {
    await starttlsProbe(mx, ['-tls1_3']);
    await pf!.waitForLog(/Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3 with cipher \S+ \(256\/256 bits\) key-exchange X25519 server-signature RSA-PSS/);
  });
});
