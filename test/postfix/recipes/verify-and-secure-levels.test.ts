import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { deliver, installPolicy, rekeyPolicy, startClient, startSinks, waitForTlsLine, type Sinks } from '../outbound.ts';
import { recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled).each(enabled ? proofReleases('verify-and-secure-levels') : [])('recipe: verify-and-secure-levels on Postfix $label', (release) => {
  let work = '';
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  // Listener ports of the sink: good = mx.partner.example from the trusted test CA, wrongName =
  // mx.other.example (trusted CA), unknownCa = mx.partner.example from a CA the client does not know,
  // relay = relay.example.net (trusted CA).
  let good = 0, wrongName = 0, unknownCa = 0, relay = 0;
  const hop = (port: number) => `[127.0.0.1]:${port}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-verify-'));
    mkdirSync(join(work, 'ca1'));
    mkdirSync(join(work, 'ca2'));
    const pki = createPki(join(work, 'ca1'));
    const otherPki = createPki(join(work, 'ca2'));
    sinks = await startSinks([
      { tls: pki.server('mx.partner.example') },
      { tls: pki.server('mx.other.example') },
      { tls: otherPki.server('mx.partner.example') },
      { tls: pki.server('relay.example.net') },
    ], undefined, release);
    [good, wrongName, unknownCa, relay] = sinks.ports as [number, number, number, number];

    const { main, policy } = recipeBlocks('verify-and-secure-levels');
    // The recipe's own entries, keyed by the test's next hops: the partner entry guards three servers.
    const table = await installPolicy(work, rekeyPolicy(policy, {
      'partner.example': [hop(good), hop(wrongName), hop(unknownCa)],
      '[relay.example.net]:587': [hop(relay)],
    }), 'tls_policy', release);
    client = await startClient({
      release,
      main: substitute(main, { '/etc/ssl/certs/ca-certificates.crt': pki.caCert, 'hash:/etc/postfix/tls_policy': table }),
      routes: {
        'good.test': hop(good), 'wrong.test': hop(wrongName), 'unknown.test': hop(unknownCa), 'relay.test': hop(relay),
        // Same servers, reached through a next hop with no policy entry (port spelled with a leading zero).
        'nopolicy-good.test': `[127.0.0.1]:0${good}`, 'nopolicy-unknown.test': `[127.0.0.1]:0${unknownCa}`,
      },
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), sinks?.pf.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('secure with match= delivers to the right certificate and logs Verified', async () => {
    const d = await deliver(client!, 'user@good.test');
    expect(d.status).toBe('sent');
    expect(await waitForTlsLine(client!, good)).toMatch(/^Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23]/);
  });

  it('secure defers a CA-signed certificate for the wrong name', async () => {
    const d = await deliver(client!, 'user@wrong.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toContain('Server certificate not verified');
    const tlsLine = await waitForTlsLine(client!, wrongName);
    const mismatch = new RegExp(`server certificate verification failed for 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${wrongName}: num=62:hostname mismatch`);
    if (!atLeast(release, '3.6')) {
      // 3.4 and 3.5 compare the names themselves and give no reason at smtp_tls_loglevel 1; the chain is
      // trusted, and the connection is logged as such.
      expect(client!.log()).not.toMatch(mismatch);
      expect(tlsLine).toMatch(/^Trusted TLS connection established/);
      return;
    }
    // From 3.6 OpenSSL checks the name, and the failure is logged with its X509 error.
    expect(client!.log()).toMatch(mismatch);
    if (atLeast(release, '3.10.5')) {
      expect(tlsLine).toMatch(/^Trusted TLS connection established/);
    } else if (!atLeast(release, '3.10')) {
      // 3.6 to 3.9 also call the trusted chain "Untrusted" (a logging bug fixed in 3.11 and 3.10 patches).
      expect(tlsLine).toMatch(/^Untrusted TLS connection established/);
    } else {
      // 3.10.0-3.10.4: the fix (July 2025) is in 3.10.5 and later; whether 3.10.4 has it is not known here.
      expect(tlsLine).toMatch(/^(Untrusted|Trusted) TLS connection established/);
    }
  });

  it('secure defers the right name from an untrusted CA', async () => {
    const d = await deliver(client!, 'user@unknown.test');
    expect(d.status).toBe('deferred');
    // 3.4 and 3.5 give a separate reason for a chain that is not trusted.
    expect(d.line).toContain(atLeast(release, '3.6') ? 'Server certificate not verified' : 'Server certificate not trusted');
    expect(client!.log()).toMatch(new RegExp(`certificate verification failed for 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${unknownCa}: untrusted issuer /CN=`));
    expect(await waitForTlsLine(client!, unknownCa)).toMatch(/^Untrusted TLS connection established/);
  });

  it('verify with match= delivers to the relay and logs Verified', async () => {
    const d = await deliver(client!, 'user@relay.test');
    expect(d.status).toBe('sent');
    expect(await waitForTlsLine(client!, relay)).toMatch(/^Verified TLS connection established/);
  });

  it('without a policy entry the level stays may: Trusted for the known CA, Untrusted for an unknown one', async () => {
    expect((await deliver(client!, 'user@nopolicy-good.test')).status).toBe('sent');
    expect((await deliver(client!, 'user@nopolicy-unknown.test')).status).toBe('sent');
    const log = client!.log();
    expect(log).toMatch(new RegExp(`Trusted TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:0?${good}: `));
    expect(log).toMatch(new RegExp(`Untrusted TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:0?${unknownCa}: `));
  });

  it("the page's log grep, run on this client's log after the deliveries above, shows the lines it names", async () => {
    const res = await runShellBlock('verify-and-secure-levels', 'log', { replacements: { '/var/log/mail.log': join(client!.dir, 'maillog') } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/Verified TLS connection established to/);
    expect(res.stdout).toMatch(/Server certificate not verified/);
  });

  it("the page's table commands build its table as printed, look up an entry and reload", async () => {
    // The page's table with its own keys, beside the re-keyed copy the deliveries above use.
    const file = join(work, 'page_tls_policy');
    writeFileSync(file, recipeBlocks('verify-and-secure-levels').policy);
    const res = await runShellBlock('verify-and-secure-levels', 'build-table', { instance: client!, replacements: { 'hash:/etc/postfix/tls_policy': `hash:${file}` } });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toBe('secure match=.partner.example\n');
    await client!.waitForLog(/reload -- version/);
  });

  it("after the page's roll back the server with the wrong name gets the mail at the level may", async () => {
    const res = await runShellBlock('verify-and-secure-levels', 'rollback', { instance: client! });
    expect(res.code, res.out).toBe(0);
    expect((await client!.postconf('-n')).stdout).not.toMatch(/^smtp_tls_policy_maps/m);
    await client!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const d = await deliver(client!, 'again@wrong.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${wrongName}`);
  });
});
