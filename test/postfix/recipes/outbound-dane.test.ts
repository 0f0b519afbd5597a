import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { deliver, installPolicy, rekeyPolicy, startClient, startSinks, tlsLineFor, type Sinks } from '../outbound.ts';
import { recipeBlocks, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

// No DNS is involved: every next hop is an IP literal, which has no TLSA records by definition.
describe.runIf(enabled)('recipe: outbound-dane', () => {
  let work = '';
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  let port = 0;
  const hop = (zeros = '') => `[127.0.0.1]:${zeros}${port}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-dane-'));
    const pki = createPki(work);
    sinks = await startSinks([{ tls: pki.server('mx.test.example') }]);
    [port] = sinks.ports as [number];
    const { main, policy } = recipeBlocks('outbound-dane');
    const table = await installPolicy(work, rekeyPolicy(policy, { 'partner.example': [hop('0')] }));
    client = await startClient({
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
});
