import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { countLog, deliver, startClient, startSinks, startSocketmap, waitForTlsLine, type Sinks, type SocketmapServer } from '../outbound.ts';
import { recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('mta-sts-outbound') : [])('recipe: mta-sts-outbound on Postfix $label', (release) => {
  let work = '';
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  let sts: SocketmapServer | undefined;
  let good = 0, evil = 0;
  const hop = (port: number, zeros = '') => `[127.0.0.1]:${zeros}${port}`;
  // smtp_tls_enforce_sts_mx_patterns exists from 3.10.5 (back-ported from 3.11).
  const hasMxPatterns = atLeast(release, '3.10.5');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sts-'));
    const pki = createPki(work);
    sinks = await startSinks([{ tls: pki.server('mx.sts.example') }, { tls: pki.server('mx.evil.example') }], undefined, release);
    [good, evil] = sinks.ports as [number, number];
    // Stand-in for postfix-mta-sts-resolver: answers like it does for a domain with an enforce policy
    // whose MX pattern is mx.sts.example (require_sni on); NOTFOUND for everything else. One next hop
    // gets the answer the resolver gives with its tlsrpt option on.
    sts = await startSocketmap((name, key) => {
      if (name !== 'postfix') return undefined;
      if (key === hop(good) || key === hop(evil)) return 'secure match=mx.sts.example servername=hostname';
      if (key === hop(good, '00') || key === hop(good, '0000')) return 'secure match=mx.sts.example servername=hostname policy_type=sts policy_domain=sts.example mx_host_pattern=mx.sts.example';
      return undefined;
    });
    const { main } = recipeBlocks('mta-sts-outbound');
    client = await startClient({
      release,
      main: substitute(main, { '/etc/ssl/certs/ca-certificates.crt': pki.caCert, 'socketmap:inet:127.0.0.1:8461:postfix': `socketmap:inet:127.0.0.1:${sts.port}:postfix` }),
      // "noenforce" is the same smtp client with smtp_tls_enforce_sts_mx_patterns turned off.
      master: hasMxPatterns ? 'noenforce unix - - n - - smtp -o smtp_tls_enforce_sts_mx_patterns=no' : '',
      routes: {
        'sts.test': hop(good), 'evil.test': hop(evil), 'nopolicy.test': hop(good, '0'), 'tlsrpt.test': hop(good, '00'), 'down.test': hop(good, '000'),
        ...(hasMxPatterns ? { 'noenforce.test': `noenforce:${hop(good, '0000')}` } : {}),
      },
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), sinks?.pf.stop(), sts?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('enforces a secure answer: Verified delivery to the matching MX certificate', async () => {
    const d = await deliver(client!, 'user@sts.test');
    expect(d.status).toBe('sent');
    expect(sts!.queries).toContainEqual({ name: 'postfix', key: hop(good) });
    expect(await waitForTlsLine(client!, good)).toMatch(/^Verified TLS connection established/);
  });

  it('defers when the MX certificate names another host', async () => {
    const d = await deliver(client!, 'user@evil.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('Server certificate not verified');
  });

  it('NOTFOUND leaves the main.cf level (may) in force', async () => {
    const d = await deliver(client!, 'user@nopolicy.test');
    expect(d.status).toBe('sent');
    expect(sts!.queries).toContainEqual({ name: 'postfix', key: hop(good, '0') });
    expect(client!.log()).toMatch(new RegExp(`Trusted TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${good}: `));
  });

  it('the resolver\'s TLSRPT attributes: invalid before 3.10; from 3.10.5 the MX host must match an mx_host_pattern', async () => {
    const d = await deliver(client!, 'user@tlsrpt.test');
    const verified = new RegExp(`Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${good}: `);
    if (!atLeast(release, '3.10')) {
      expect(d.status).toBe('deferred');
      expect(d.line).toContain('client TLS configuration problem');
      expect(client!.log()).toMatch(/warning: smtp_tls_policy_maps, next-hop destination "\[127\.0\.0\.1\]:00\d+": invalid attribute name: "policy_type"/);
      return;
    }
    expect(client!.log()).not.toMatch(/invalid attribute name: "policy_type"/);
    if (!hasMxPatterns) {
      // 3.10.0-3.10.4: the attributes are accepted and change nothing for delivery.
      expect(d.status).toBe('sent');
      return;
    }
    // The next hop's host name is 127.0.0.1, which matches no pattern: the host is skipped, not tried.
    expect(d.status).toBe('deferred');
    expect(d.line).toMatch(/relay=none, .*status=deferred \(server unavailable or unable to receive mail\)/);
    // The skipped host is logged from 3.10.6 (3.10.5 skips it silently).
    if (atLeast(release, '3.10.6')) expect(client!.log()).toMatch(/warning: MX name '127\.0\.0\.1' does not match STS MX pattern for 'sts\.example'/);
    // With smtp_tls_enforce_sts_mx_patterns = no the same answer works as before: any MX host, the
    // certificate checked against the patterns.
    const before = countLog(client!, verified);
    const off = await deliver(client!, 'user@noenforce.test');
    expect(off.status).toBe('sent');
    expect(countLog(client!, verified)).toBe(before + 1);
  });

  it("the page's postmap query prints the daemon's answer, and nothing (exit 1) for NOTFOUND", async () => {
    const map = { 'socketmap:inet:127.0.0.1:8461:postfix': `socketmap:inet:127.0.0.1:${sts!.port}:postfix` };
    const found = await runShellBlock('mta-sts-outbound', 'query', { instance: client!, replacements: { ...map, 'gmail.com': hop(good) } });
    expect(found.code, found.out).toBe(0);
    expect(found.stdout).toBe('secure match=mx.sts.example servername=hostname\n');
    const missing = await runShellBlock('mta-sts-outbound', 'query', { instance: client!, replacements: { ...map, 'gmail.com': 'nopolicy.example' } });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
  });

  it('a policy daemon that is down defers mail even for destinations without a policy', async () => {
    await sts!.close();
    const d = await deliver(client!, 'user@down.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('client TLS configuration problem');
    expect(client!.log()).toMatch(/warning: smtp_tls_policy_maps, next-hop destination "\[127\.0\.0\.1\]:000\d+": policy table lookup error/);
  });

  it("the page's log grep, run on this client's log after the deliveries above, shows the lines it names", async () => {
    const res = await runShellBlock('mta-sts-outbound', 'log', { replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/Verified TLS connection established to/);
  });

  it("the page's enable commands leave the socketmap in place and reload; its rollback commands remove it, and mail flows without the daemon", async () => {
    const stsMap = `socketmap:inet:127.0.0.1:${sts!.port}:postfix`;
    const enable = await runShellBlock('mta-sts-outbound', 'enable', { instance: client!, replacements: { 'socketmap:inet:127.0.0.1:8461:postfix': stsMap } });
    expect(enable.code, enable.out).toBe(0);
    expect((await client!.postconf('smtp_tls_policy_maps')).stdout).toBe(`smtp_tls_policy_maps = ${stsMap}\n`);
    // The daemon is down (previous test): with the socketmap in place mail defers, after the rollback it goes out.
    const rollback = await runShellBlock('mta-sts-outbound', 'rollback', { instance: client! });
    expect(rollback.code, rollback.out).toBe(0);
    expect((await client!.postconf('-n', 'smtp_tls_policy_maps')).stdout).toBe('');
    await client!.waitForLog(/reload -- version/);
    let d = await deliver(client!, 'again@down.test');
    // A process started before the reload may take one more message; retry once on a fresh one.
    if (d.status !== 'sent') d = await deliver(client!, 'third@down.test');
    expect(d.status).toBe('sent');
  });
});
