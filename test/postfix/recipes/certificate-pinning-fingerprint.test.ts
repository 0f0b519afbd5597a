import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import {
  certFingerprint, deliver, installPolicy, publicKeyFingerprint, recipeBlockList, rekeyPolicy, startClient, startSinks, waitForTlsLine, type Sinks,
} from '../outbound.ts';
import { runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

// The example digests printed on the recipe page; the test swaps in the digests of its own certificates.
const PAGE_CERT_PIN_1 = '75:E8:CF:6A:33:28:B0:2B:DF:5A:C9:77:7B:ED:BA:C0:9E:F4:0D:68:F2:9F:CE:36:04:99:66:A8:3D:8F:E5:4C';
const PAGE_CERT_PIN_2 = '27:ED:81:D9:E1:5D:5C:04:56:0C:98:08:96:29:6E:AF:60:60:6D:D0:E5:F7:96:D3:14:E9:80:CA:64:88:8E:CC';
const PAGE_KEY_PIN = 'b6:57:17:0d:b6:5f:db:d2:78:f4:e3:79:33:b1:3c:14:4e:4f:5e:0d:d8:30:17:bf:9f:d9:e2:ef:4b:56:e5:4f';

/** Re-issues a certificate for the same key (a renewal that keeps the key), signed by the test CA. */
function renew(dir: string, key: string, name: string): string {
  const csr = join(dir, 'renew.csr');
  const ext = join(dir, 'renew.ext');
  const out = join(dir, 'renewed.cert.pem');
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  run(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
  spawnSync('sh', ['-c', `printf 'subjectAltName=DNS:${name}\\n' > '${ext}'`]);
  run(['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.cert.pem'), '-CAkey', join(dir, 'ca.key.pem'), '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', out]);
  return out;
}

describe.runIf(enabled).each(enabled ? proofReleases('certificate-pinning-fingerprint') : [])('recipe: certificate-pinning-fingerprint on Postfix $label', (release) => {
  let work = '';
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  // Sink listeners: current and next certificate (both pinned), an unpinned one with the same name and
  // CA, and the current key with a renewed certificate.
  let current = 0, next = 0, other = 0, renewed = 0;
  let currentCert = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-pin-'));
    const pki = createPki(work);
    const cur = pki.server('mailhub.example.com');
    currentCert = cur.cert;
    const nxt = pki.server('mailhub.example.com', 'rsa');
    const oth = createPki(mkdtempSync(join(work, 'other-'))).server('mailhub.example.com');
    const renewedCert = renew(work, cur.key, 'mailhub.example.com');
    sinks = await startSinks([{ tls: cur }, { tls: nxt }, { tls: oth }, { tls: { key: cur.key, cert: renewedCert } }], undefined, release);
    [current, next, other, renewed] = sinks.ports as [number, number, number, number];

    const blocks = recipeBlockList('certificate-pinning-fingerprint');
    const main = blocks.find((b) => b.kind === 'main')!.text; // the policy-table variant, first on the page
    const policy = blocks.find((b) => b.kind === 'policy')!.text;
    const pins = { [PAGE_CERT_PIN_1]: certFingerprint(cur.cert), [PAGE_CERT_PIN_2]: certFingerprint(nxt.cert), [PAGE_KEY_PIN]: publicKeyFingerprint(cur.cert) };
    const hop = (p: number) => `[127.0.0.1]:${p}`;
    const table = await installPolicy(work, substitute(rekeyPolicy(policy, {
      '[mailhub.example.com]': [hop(current), hop(next), hop(other), hop(renewed)],
      '[branch.example.net]:587': [`[127.0.0.1]:0${renewed}`],
    }), pins), 'tls_policy', release);
    client = await startClient({
      release,
      main: substitute(main, { 'hash:/etc/postfix/tls_policy': table }),
      routes: {
        'current.test': hop(current), 'next.test': hop(next), 'other.test': hop(other), 'renewed.test': hop(renewed),
        'keypin.test': `[127.0.0.1]:0${renewed}`,
        // The pinned server again, through a client that computes md5 digests (the old default).
        'md5.test': `md5digest:${hop(current)}`,
      },
      master: 'md5digest unix - - n - - smtp -o smtp_tls_fingerprint_digest=md5',
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), sinks?.pf.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("the page's two commands read the certificate and public-key fingerprints off the connection", async () => {
    const at = { replacements: { 'mailhub.example.com:25': `127.0.0.1:${current}` } };
    const cert = await runShellBlock('certificate-pinning-fingerprint', 'cert-pin', at);
    expect(cert.stdout).toMatch(/^(sha256|SHA256) Fingerprint=([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
    expect(/Fingerprint=(\S+)/.exec(cert.stdout)?.[1]).toBe(certFingerprint(currentCert));
    const key = await runShellBlock('certificate-pinning-fingerprint', 'key-pin', at);
    expect(/= ?([0-9a-f:]+)\s*$/.exec(key.stdout)?.[1]).toBe(publicKeyFingerprint(currentCert));
  });

  it('delivers to either pinned certificate and logs Verified', async () => {
    expect((await deliver(client!, 'user@current.test')).status).toBe('sent');
    expect((await deliver(client!, 'user@next.test')).status).toBe('sent');
    expect(await waitForTlsLine(client!, current)).toMatch(/^Verified TLS connection established/);
    expect(await waitForTlsLine(client!, next)).toMatch(/^Verified TLS connection established/);
  });

  it('defers to a server with another certificate of the same name', async () => {
    const d = await deliver(client!, 'user@other.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('Server certificate not verified');
    expect(await waitForTlsLine(client!, other)).toMatch(/^Untrusted TLS connection established/);
  });

  it('a renewed certificate breaks the certificate pin, the public-key pin still matches', async () => {
    const byCert = await deliver(client!, 'user@renewed.test');
    expect(byCert.status).toBe('deferred');
    expect(byCert.line).toContain('Server certificate not verified');
    const byKey = await deliver(client!, 'user@keypin.test');
    expect(byKey.status).toBe('sent');
    expect(client!.log()).toMatch(new RegExp(`Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${renewed}: `));
  });

  it('the digest must be set: the default is md5 before 3.6 and below compatibility_level 3.6', async () => {
    const { stdout } = await client!.postconf('-d', 'smtp_tls_fingerprint_digest');
    expect(stdout.trim()).toBe(`smtp_tls_fingerprint_digest = ${atLeast(release, '3.6') ? '${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}' : 'md5'}`);
    // A SHA-256 pin compared with md5 digests never matches.
    const d = await deliver(client!, 'user@md5.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('Server certificate not verified');
  });

  it("the page's log grep, run on this client's log after the deliveries above, shows the lines it names", async () => {
    const res = await runShellBlock('certificate-pinning-fingerprint', 'log', { replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/Verified TLS connection established to/);
    expect(res.stdout).toMatch(/Server certificate not verified/);
  });

  it("the page's apply commands rebuild the table, pass postfix check and reload", async () => {
    const res = await runShellBlock('certificate-pinning-fingerprint', 'apply', { instance: client!, replacements: { '/etc/postfix/tls_policy': join(work, 'tls_policy') } });
    expect(res.code, res.out).toBe(0);
    await client!.waitForLog(/reload -- version/);
  });

  it("the page's posttls-finger command verifies the pinned server and reports another one as Untrusted", async () => {
    const pinned = await runShellBlock('certificate-pinning-fingerprint', 'finger', { instance: client!, timeoutMs: 60_000, replacements: { '"[mailhub.example.com]"': `"[127.0.0.1]:${current}"`, [PAGE_CERT_PIN_1]: certFingerprint(currentCert) } });
    expect(pinned.out).toMatch(/Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
    const wrong = await runShellBlock('certificate-pinning-fingerprint', 'finger', { instance: client!, timeoutMs: 60_000, replacements: { '"[mailhub.example.com]"': `"[127.0.0.1]:${other}"`, [PAGE_CERT_PIN_1]: certFingerprint(currentCert) } });
    expect(wrong.out).toMatch(/Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
    expect(wrong.out).not.toMatch(/Verified TLS connection/);
  });

  it("the page's roll back deletes the destination's pin; mail to the unpinned server is then delivered", async () => {
    const file = join(work, 'tls_policy');
    const res = await runShellBlock('certificate-pinning-fingerprint', 'rollback', {
      instance: client!,
      replacements: { '\\[mailhub\\.example\\.com\\]': `\\[127\\.0\\.0\\.1\\]:${other}`, '/etc/postfix/tls_policy': file },
    });
    expect(res.code, res.out).toBe(0);
    await client!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const lookup = (hop: string) => spawnSync(client!.command('postmap'), ['-c', client!.dir, '-q', hop, `hash:${file}`], { encoding: 'utf8' });
    expect(lookup(`[127.0.0.1]:${other}`).status).toBe(1);
    expect(lookup(`[127.0.0.1]:${current}`).stdout).toMatch(/^fingerprint match=/);
    const d = await deliver(client!, 'user@other.test');
    expect(d.status).toBe('sent');
  });
});
