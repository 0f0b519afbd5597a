import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import {
  countLog, deliver, installPolicy, recipeAntiPatterns, rekeyPolicy, startClient, startSinks, waitForCount, waitForTlsLine, type Sinks,
} from '../outbound.ts';
import { recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('tls-policy-table') : [])('recipe: tls-policy-table on Postfix $label', (release) => {
  let work = '';
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  let tlsPort = 0, plainPort = 0, relayPort = 0;
  // Several keys must reach the same listener: "[127.0.0.1]:0PORT" is a different next hop (and policy
  // key) for the same port.
  const hop = (port: number, zeros = '') => `[127.0.0.1]:${zeros}${port}`;
  const plainSessions = /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5/;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-policy-'));
    const pki = createPki(work);
    sinks = await startSinks([{ tls: pki.server('mx.test.example') }, {}, { tls: pki.server('relay.example.net') }], undefined, release);
    [tlsPort, plainPort, relayPort] = sinks.ports as [number, number, number];

    const { main, policy } = recipeBlocks('tls-policy-table');
    const comma = recipeAntiPatterns('tls-policy-table').find((b) => b.expected.includes('policy-table-syntax'))!;
    const table = rekeyPolicy(policy, {
      'legacy.example': [hop(tlsPort)],
      'example.org': [hop(tlsPort, '0')],
      'example.net': [hop(tlsPort, '00'), hop(plainPort)],
      '[relay.example.net]:587': [hop(relayPort)],
    }) + rekeyPolicy(comma.text, { 'example.net': [hop(tlsPort, '000')] });
    const map = await installPolicy(work, table, 'tls_policy', release);
    client = await startClient({
      release,
      main: substitute(main, { '/etc/ssl/certs/ca-certificates.crt': pki.caCert, 'hash:/etc/postfix/tls_policy': map }),
      routes: {
        'none.test': hop(tlsPort), 'may.test': hop(tlsPort, '0'), 'encrypt.test': hop(tlsPort, '00'),
        'encrypt-plain.test': hop(plainPort), 'verify.test': hop(relayPort), 'comma.test': hop(tlsPort, '000'),
      },
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), sinks?.pf.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('"none" sends in plaintext to a server that offers STARTTLS', async () => {
    const before = countLog(sinks!.pf, plainSessions);
    const d = await deliver(client!, 'user@none.test');
    expect(d.status).toBe('sent');
    await waitForCount(sinks!.pf, plainSessions, before + 1);
    expect(countLog(client!, /TLS connection established/)).toBe(0);
  });

  it('"encrypt" and "encrypt protocols=>=TLSv1.2 ciphers=high" deliver over TLS', async () => {
    expect((await deliver(client!, 'user@may.test')).status).toBe('sent');
    expect((await deliver(client!, 'user@encrypt.test')).status).toBe('sent');
    expect(countLog(client!, new RegExp(`Trusted TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${tlsPort}: TLSv1\\.[23] `))).toBe(2);
  });

  it('"encrypt" defers mail to a server without STARTTLS', async () => {
    const d = await deliver(client!, 'user@encrypt-plain.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]');
  });

  it('"verify match=" on a [host]:port key delivers after verifying the certificate', async () => {
    expect((await deliver(client!, 'user@verify.test')).status).toBe('sent');
    expect(await waitForTlsLine(client!, relayPort)).toMatch(/^Verified TLS connection established/);
  });

  it('a comma inside protocols= makes the entry invalid and the mail is deferred', async () => {
    const d = await deliver(client!, 'user@comma.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('client TLS configuration problem');
    expect(client!.log()).toMatch(/warning: smtp_tls_policy_maps, next-hop destination "\[127\.0\.0\.1\]:000\d+": malformed attribute\/value pair "!SSLv3": missing '=' after attribute name/);
  });

  it("the page's log grep, run on this client's log after the deliveries above, shows the lines it names", async () => {
    const res = await runShellBlock('tls-policy-table', 'log', { replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/smtp_tls_policy_maps/);
  });

  it("the page's table commands build its table as printed, look up an entry and reload", async () => {
    // The page's table with its own keys, beside the re-keyed copy the deliveries above use.
    const file = join(work, 'page_tls_policy');
    writeFileSync(file, recipeBlocks('tls-policy-table').policy);
    const res = await runShellBlock('tls-policy-table', 'build-table', { instance: client!, replacements: { 'hash:/etc/postfix/tls_policy': `hash:${file}` } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toBe('verify match=relay.example.net\n');
    await client!.waitForLog(/reload -- version/);
  });

  it("after the page's roll back the next hop with a \"none\" entry gets STARTTLS again", async () => {
    const res = await runShellBlock('tls-policy-table', 'rollback', { instance: client! });
    expect(res.code, res.out).toBe(0);
    expect((await client!.postconf('-n')).stdout).not.toMatch(/^smtp_tls_policy_maps/m);
    await client!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const before = countLog(client!, new RegExp(`TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${tlsPort}:`));
    expect((await deliver(client!, 'again@none.test')).status).toBe('sent');
    await waitForCount(client!, new RegExp(`TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${tlsPort}:`), before + 1);
  });
});
