import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases, type PostfixRelease } from '../releases.ts';
import { deliver, installPolicy, rekeyPolicy, startClient, startSinks, tlsLineFor, type Sinks } from '../outbound.ts';
import { recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

/**
 * True where the built-in smtp_tls_dane_insecure_mx_policy follows smtp_tls_security_level (dane only when
 * the main.cf level is dane, may otherwise): 3.6.0-3.6.16, 3.7.0-3.7.12, 3.8.0-3.8.7, 3.9.0-3.9.1 and the
 * back-ports 3.4.19 and 3.5.9 onwards (those lines never got the revert). Elsewhere the default is dane.
 * Source: mail_params.h of every release (test/oracle/postfix-history.tar.xz).
 */
function levelDependentInsecureMxDefault(r: PostfixRelease): boolean {
  const within = (from: string, to: string) => atLeast(r, from) && !atLeast(r, to);
  return within('3.4.19', '3.5') || within('3.5.9', '3.6') || within('3.6', '3.6.17') || within('3.7', '3.7.13')
    || within('3.8', '3.8.8') || within('3.9', '3.9.2');
}

// No DNS is involved: every next hop is an IP literal, which has no TLSA records by definition.
describe.runIf(enabled).each(enabled ? proofReleases('outbound-dane') : [])('recipe: outbound-dane on Postfix $label', (release) => {
  let work = '';
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  let port = 0;
  const hop = (zeros = '') => `[127.0.0.1]:${zeros}${port}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-dane-'));
    const pki = createPki(work);
    sinks = await startSinks([{ tls: pki.server('mx.test.example') }], undefined, release);
    [port] = sinks.ports as [number];
    const { main, policy } = recipeBlocks('outbound-dane');
    const table = await installPolicy(work, rekeyPolicy(policy, { 'partner.example': [hop('0')] }), 'tls_policy', release);
    client = await startClient({
      release,
      main: substitute(main, { 'hash:/etc/postfix/tls_policy': table }),
      // The anti-pattern from the page: dane with smtp_dns_support_level at its default (empty).
      master: 'nodnssec unix - - n - - smtp -o smtp_dns_support_level=',
      routes: { 'plain-mx.test': hop(), 'partner.test': hop('0'), 'nodnssec.test': `nodnssec:${hop('00')}` },
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), sinks?.pf.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('dane falls back to opportunistic TLS where there are no TLSA records', async () => {
    const d = await deliver(client!, 'user@plain-mx.test');
    expect(d.status).toBe('sent');
    expect(tlsLineFor(client!, port)).toMatch(/^Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23]/);
  });

  it('dane-only from the policy table defers instead of falling back', async () => {
    const d = await deliver(client!, 'user@partner.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('status=deferred (no TLSA records found)');
  });

  it('without smtp_dns_support_level = dnssec, dane warns and delivers unauthenticated', async () => {
    const d = await deliver(client!, 'user@nodnssec.test');
    expect(d.status).toBe('sent');
    expect(client!.log()).toMatch(/warning: \[127\.0\.0\.1\]:00\d+: dane configured with dnssec lookups disabled/);
  });

  it('smtp_tls_dane_insecure_mx_policy is dane with this main.cf; its default differs between releases', async () => {
    const levelDependent = levelDependentInsecureMxDefault(release);
    const { stdout: dflt } = await client!.postconf('-d', 'smtp_tls_dane_insecure_mx_policy');
    expect(dflt.trim()).toBe(`smtp_tls_dane_insecure_mx_policy = ${levelDependent ? '${{$smtp_tls_security_level} == {dane} ? {dane} : {may}}' : 'dane'}`);
    // With the recipe's global level dane the value in effect is dane everywhere.
    expect((await client!.postconf('-xh', 'smtp_tls_dane_insecure_mx_policy')).stdout.trim()).toBe('dane');
    // With dane set only in a policy table (main.cf level may) the older default turns into may.
    const { stdout: underMay } = await client!.postconf('-xh', '-o', 'smtp_tls_security_level=may', 'smtp_tls_dane_insecure_mx_policy');
    expect(underMay.trim()).toBe(levelDependent ? 'may' : 'dane');
  });

  it("the page's table commands build its policy table as printed and reload", async () => {
    const file = join(work, 'page_tls_policy');
    writeFileSync(file, recipeBlocks('outbound-dane').policy);
    const res = await runShellBlock('outbound-dane', 'build-table', { instance: client!, replacements: { 'hash:/etc/postfix/tls_policy': `hash:${file}` } });
    expect(res.code, res.out).toBe(0);
    expect(statSync(`${file}.db`).isFile()).toBe(true);
    await client!.waitForLog(/reload -- version/);
  });

  it("the page's log grep shows the warning of the transport without DNSSEC lookups", async () => {
    const res = await runShellBlock('outbound-dane', 'log', { replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/warning: \[127\.0\.0\.1\]:00\d+: dane configured with dnssec lookups disabled/);
  });

  it("the page's roll back returns to may: the former dane-only destination is then delivered", async () => {
    const res = await runShellBlock('outbound-dane', 'rollback', { instance: client! });
    expect(res.code, res.out).toBe(0);
    await client!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const { stdout } = await client!.postconf('-n');
    expect(stdout).toMatch(/^smtp_tls_security_level = may$/m);
    expect(stdout).not.toMatch(/^smtp_(dns_support_level|tls_policy_maps) =/m);
    const d = await deliver(client!, 'user@partner.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${port}`);
    expect(d.line).not.toContain("no TLSA records");
  });
});
