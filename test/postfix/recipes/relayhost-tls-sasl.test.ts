import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import { blockTitled, deliver, installPolicy, startClient, startSaslRelay, textBlockTitled, waitForTlsLine, type SaslRelay } from '../outbound.ts';
import { substitute, runShellBlock } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const SLUG = 'relayhost-tls-sasl';

describe.runIf(enabled).each(enabled ? proofReleases('relayhost-tls-sasl') : [])('recipe: relayhost-tls-sasl on Postfix $label', (release) => {
  let work = '';
  let starttls: SaslRelay | undefined;
  let implicit: SaslRelay | undefined;
  let client587: PostfixInstance | undefined;
  let client465: PostfixInstance | undefined;
  let before: PostfixInstance | undefined;
  let common: Record<string, string> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sasl-'));
    const pki = createPki(work);
    const cert = pki.server('smtp.example.com');
    // The page's credentials: "[smtp.example.com]:587    user@example.com:app-password".
    const passwd = textBlockTitled(SLUG, '/etc/postfix/sasl_passwd');
    const [, user, password] = /^\S+\s+([^:\s]+):(\S+)\s*$/m.exec(passwd)!;
    starttls = await startSaslRelay({ ...cert, user: user!, password: password!, mode: 'starttls' });
    implicit = await startSaslRelay({ ...cert, user: user!, password: password!, mode: 'implicit' });
    const hop587 = `[127.0.0.1]:${starttls.port}`;
    const hop465 = `[127.0.0.1]:${implicit.port}`;
    const table = await installPolicy(work, substitute(passwd, { '[smtp.example.com]:587': hop587 })
      + substitute(passwd, { '[smtp.example.com]:587': hop465 }), 'sasl_passwd', release);
    common = { '/etc/ssl/certs/ca-certificates.crt': pki.caCert, 'hash:/etc/postfix/sasl_passwd': table };
    client587 = await startClient({
      release,
      main: substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, { ...common, '[smtp.example.com]:587': hop587 }),
      // The same client with smtp_sasl_tls_security_options back at its default.
      // ...and with wrapper mode switched on against the STARTTLS port (the page's "Mistakes to avoid").
      master: `defaultopts unix - - n - - smtp -o smtp_sasl_tls_security_options=$smtp_sasl_security_options
wrapped587 unix - - n - - smtp -o smtp_tls_wrappermode=yes`,
      routes: { 'defaults.test': `defaultopts:${hop587}`, 'wrapped.test': `wrapped587:${hop587}` },
    });
    client465 = await startClient({
      release,
      main: substitute(blockTitled(SLUG, '/etc/postfix/main.cf (port 465)').text, { ...common, '[smtp.example.com]:465': hop465 }),
    });
  });

  afterAll(async () => {
    await Promise.allSettled([client587?.stop(), client465?.stop(), before?.stop(), starttls?.close(), implicit?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('port 587: STARTTLS, then AUTH with the table credentials, then delivery', async () => {
    const d = await deliver(client587!, 'someone@example.org');
    expect(d.status).toBe('sent');
    expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${starttls!.port}`);
    expect(await waitForTlsLine(client587!, starttls!.port)).toMatch(/^Trusted TLS connection established/);
    const session = starttls!.events.find((e) => e.delivered)!;
    expect(session).toMatchObject({ tls: true, authOk: true, authUser: 'user@example.com', delivered: true });
    expect(['PLAIN', 'LOGIN']).toContain(session.authMechanism);
  });

  it('the relay refuses AUTH before STARTTLS, so the login happened inside TLS', async () => {
    // Every session that authenticated was already in TLS (the relay answers 538 to AUTH in plaintext).
    expect(starttls!.events.filter((e) => e.authUser !== undefined).every((e) => e.tls)).toBe(true);
  });

  it('wrapper mode against the STARTTLS port fails at once with "wrong version number", not a timeout', async () => {
    const started = Date.now();
    const d = await deliver(client587!, 'someone@wrapped.test');
    expect(d.status).toBe('deferred');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(client587!.log()).toMatch(/SSL_connect error to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+/);
    expect(client587!.log()).toMatch(/wrong version number/);
  });

  it('with smtp_sasl_tls_security_options at its default, no mechanism is usable and mail is deferred', async () => {
    const before = starttls!.events.filter((e) => e.authUser !== undefined).length;
    const d = await deliver(client587!, 'someone@defaults.test');
    expect(d.status).toBe('deferred');
    expect(d.line).toMatch(/SASL authentication failed; cannot authenticate to server 127\.0\.0\.1\[127\.0\.0\.1\]: no mechanism available/);
    expect(client587!.log()).toMatch(/warning: SASL authentication failure: No worthy mechs found/);
    expect(starttls!.events.filter((e) => e.authUser !== undefined).length).toBe(before);
  });

  it('port 465: wrapper mode starts TLS on connect, authenticates and delivers', async () => {
    const d = await deliver(client465!, 'someone@example.org');
    expect(d.status).toBe('sent');
    expect(await waitForTlsLine(client465!, implicit!.port)).toMatch(/^Trusted TLS connection established/);
    expect(implicit!.events.find((e) => e.delivered)).toMatchObject({ tls: true, authOk: true, authUser: 'user@example.com' });
  });

  it("the page's table commands build the password table root-only and reload", async () => {
    const file = join(work, 'page_sasl_passwd');
    writeFileSync(file, textBlockTitled(SLUG, '/etc/postfix/sasl_passwd'), { mode: 0o644 });
    const res = await runShellBlock('relayhost-tls-sasl', 'build-passwd', { instance: client587!, replacements: { '/etc/postfix/sasl_passwd': file } });
    expect(res.code, res.out).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}.db`).mode & 0o777).toBe(0o600);
    await client587!.waitForLog(/reload -- version/);
  });

  it("the page's backup, 587 settings and roll back on a host without the change: AUTH inside TLS, then neither", async () => {
    const hop587 = `[127.0.0.1]:${starttls!.port}`;
    before = await startClient({ release, main: '', routes: { 'routed.test': hop587 } });
    const etc = { '/etc/postfix': before.dir };
    const saved = await runShellBlock('relayhost-tls-sasl', 'backup', { instance: before, replacements: etc });
    expect(saved.code, saved.out).toBe(0);
    const original = readFileSync(join(before.dir, 'main.cf'), 'utf8');
    appendFileSync(join(before.dir, 'main.cf'), `\n${substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, { ...common, '[smtp.example.com]:587': hop587 })}\n`);
    const file = join(work, 'before_sasl_passwd');
    writeFileSync(file, substitute(textBlockTitled(SLUG, '/etc/postfix/sasl_passwd'), { '[smtp.example.com]:587': hop587 }), { mode: 0o644 });
    const built = await runShellBlock('relayhost-tls-sasl', 'build-passwd', { instance: before, replacements: { '/etc/postfix/sasl_passwd': file } });
    expect(built.code, built.out).toBe(0);
    await before.waitForLog(/reload -- version/);
    const sent = await deliver(before, 'someone@routed.test');
    expect(sent.status).toBe('sent');
    expect(starttls!.events.at(-1)).toMatchObject({ tls: true, authOk: true, delivered: true });

    const res = await runShellBlock('relayhost-tls-sasl', 'rollback', { instance: before, replacements: etc });
    expect(res.code, res.out).toBe(0);
    expect(readFileSync(join(before.dir, 'main.cf'), 'utf8')).toBe(original);
    await before.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const refused = await deliver(before, 'other@routed.test');
    expect(refused.status).toBe('bounced');
    expect(refused.line).toContain('530 5.7.0 Authentication required');
    expect(starttls!.events.at(-1)).toMatchObject({ tls: false, delivered: false });
    expect(starttls!.events.at(-1)!.authUser).toBeUndefined();
  });
});
