import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, starttlsProbe, type PostfixInstance } from '../harness.ts';
import { recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('inbound-opportunistic-starttls') : [])('recipe: inbound-opportunistic-starttls on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let certDir = '';

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const { key, cert } = createPki(certDir).server('mx.test.example');
    const { main } = recipeBlocks('inbound-opportunistic-starttls');
    pf = await startPostfix({
      release,
      main: substitute(main, { '/etc/postfix/tls/mx.key.pem': key, '/etc/postfix/tls/mx.fullchain.pem': cert }),
      master: '127.0.0.1:@PORT@ inet n - n - - smtpd',
    });
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it("the page's reload command succeeds on the instance", async () => {
    const res = await runShellBlock('inbound-opportunistic-starttls', 'reload', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version/);
  });

  it("the page's s_client command negotiates TLSv1.3 over STARTTLS", async () => {
    const res = await runShellBlock('inbound-opportunistic-starttls', 'verify-starttls', { replacements: { 'mx.example.com:25': `127.0.0.1:${pf!.ports[0]}` } });
    expect(res.out).toMatch(/Protocol version: TLSv1\.3/);
  });

  it('negotiates TLSv1.3 over STARTTLS and logs an anonymous TLS connection', async () => {
    const probe = await starttlsProbe(pf!.ports[0]!, ['-tls1_3']);
    expect(probe.stderr + probe.stdout).toMatch(/Protocol version: TLSv1\.3/);
    const [line] = await pf!.waitForLog(/Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3 with cipher \S+/);
    expect(line).toContain('TLSv1.3');
  });

  it('still accepts a plaintext session (TLS is optional on port 25)', async () => {
    const res = await capture('swaks', ['--server', `127.0.0.1:${pf!.ports[0]}`, '--quit-after', 'RCPT', '--from', 'a@example.org', '--to', 'postmaster@mx.test.example', '--ehlo', 'client.test']);
    expect(res.stdout).toMatch(/<-\s+250[ -]STARTTLS/);
    expect(res.stdout).toMatch(/<-\s+250 2\.1\.0 Ok/);
  });

  it("the page's roll back removes the settings and STARTTLS is no longer offered", async () => {
    const res = await runShellBlock('inbound-opportunistic-starttls', 'rollback', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const { stdout } = await pf!.postconf('-n');
    expect(stdout).not.toMatch(/^smtpd_tls_(security_level|chain_files|loglevel) =/m);
    const ehlo = await capture('swaks', ['--server', `127.0.0.1:${pf!.ports[0]}`, '--quit-after', 'EHLO', '--ehlo', 'client.test']);
    expect(ehlo.stdout).toMatch(/<-\s+250[ -]/);
    expect(ehlo.stdout).not.toMatch(/STARTTLS/);
  });
});
