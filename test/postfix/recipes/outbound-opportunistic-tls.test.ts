import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { countLog, deliver, startClient, startSinks, tlsLineFor, waitForCount, waitForTlsLine, type Sinks } from '../outbound.ts';
import { recipeBlocks, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();

describe.runIf(enabled)('recipe: outbound-opportunistic-tls', () => {
  let sinks: Sinks | undefined;
  let client: PostfixInstance | undefined;
  let certDir = '';
  let tlsPort = 0;
  let plainPort = 0;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    sinks = await startSinks([{ tls: pki.server('mx.test.example') }, {}]);
    [tlsPort, plainPort] = sinks.ports as [number, number];
    const { main } = recipeBlocks('outbound-opportunistic-tls');
    client = await startClient({
      main: substitute(main, { '/etc/ssl/certs/ca-certificates.crt': pki.caCert }),
      // "nolevel" is the same smtp client with smtp_tls_security_level emptied: the Postfix 3.7 default.
      master: 'nolevel unix - - n - - smtp -o smtp_tls_security_level=',
      routes: {
        'tls.test': `[127.0.0.1]:${tlsPort}`,
        'plain.test': `[127.0.0.1]:${plainPort}`,
        'default.test': `nolevel:[127.0.0.1]:${tlsPort}`,
      },
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client?.stop(), sinks?.pf.stop()]);
    rmSync(certDir, { recursive: true, force: true });
  });

  it('sends over TLS to a server that offers STARTTLS and logs a Trusted connection', async () => {
    const d = await deliver(client!, 'user@tls.test');
    expect(d.status).toBe('sent');
    const line = await waitForTlsLine(client!, tlsPort);
    expect(line).toMatch(/^Trusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23] with cipher /);
    await sinks!.pf.waitForLog(/Anonymous TLS connection established from localhost\[127\.0\.0\.1\]/);
  });

  it('still delivers, in plaintext, to a server without STARTTLS', async () => {
    const d = await deliver(client!, 'user@plain.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${plainPort}`);
    expect(tlsLineFor(client!, plainPort)).toBeUndefined();
  });

  it('without the setting (3.7 default) the client ignores STARTTLS and sends in plaintext', async () => {
    const tlsLines = () => countLog(client!, new RegExp(`TLS connection established to \\S+:${tlsPort}:`));
    const plainSessions = /disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5/;
    const before = tlsLines();
    const plainBefore = countLog(sinks!.pf, plainSessions);
    const d = await deliver(client!, 'user@default.test');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${tlsPort}`);
    expect(tlsLines()).toBe(before);
    // The sink saw one more session without STARTTLS (smtpd's disconnect line counts the commands).
    await waitForCount(sinks!.pf, plainSessions, plainBefore + 1);
  });
});
