import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { proofReleases } from '../releases.ts';
import { blockTitled, deliver, startClient } from '../outbound.ts';
import { runShellBlock, substitute } from '../recipe-blocks.ts';

const enabled = postfixTierAvailable();
const SLUG = 'tls-session-caches-and-tickets';

describe.runIf(enabled).each(enabled ? proofReleases('tls-session-caches-and-tickets') : [])('recipe: tls-session-caches-and-tickets on Postfix $label', (release) => {
  let work = '';
  let page: PostfixInstance | undefined; // the page's server settings
  let old: PostfixInstance | undefined; // the old guide's settings
  let off: PostfixInstance | undefined; // cache timeout 0
  let client: PostfixInstance | undefined;
  let noCache: PostfixInstance | undefined;
  let chain = '';

  /** Listeners: @PORT@ as configured, @PORT2@ without tickets, @PORT3@ with -o smtpd_tls_session_cache_timeout=0. */
  const listeners = `127.0.0.1:@PORT@ inet n - n - - smtpd
127.0.0.1:@PORT2@ inet n - n - - smtpd -o tls_session_ticket_cipher=
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_tls_session_cache_timeout=0`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sess-'));
    const pki = createPki(work);
    const cert = pki.server('mx.example.com', 'rsa');
    chain = `${cert.key}, ${cert.cert}`;
    const pageMain = substitute(blockTitled(SLUG, '/etc/postfix/main.cf').text, {
      '/etc/postfix/tls/mx.key.pem, /etc/postfix/tls/mx.fullchain.pem': chain,
    });
    const oldMain = blockTitled(SLUG, '/etc/postfix/main.cf (old guide)').text;
    [page, old, off] = await Promise.all([
      startPostfix({ release, main: `${pageMain}\nsmtpd_tls_loglevel = 2`, master: listeners, ports: 3 }),
      startPostfix({ release, main: `${oldMain}\nsmtpd_tls_security_level = may\nsmtpd_tls_chain_files = ${chain}\ntls_ssl_options =`, master: listeners, ports: 3 }),
      startPostfix({ release, main: `${oldMain}\nsmtpd_tls_security_level = may\nsmtpd_tls_chain_files = ${chain}\ntls_ssl_options =\nsmtpd_tls_session_cache_timeout = 0`, master: listeners, ports: 3 }),
    ]);
    const target = `[127.0.0.1]:${page!.ports[0]}`;
    // The client under test logs its cache use at level 2 on a transport of its own.
    const master = 'smtp2 unix - - n - - smtp -o smtp_tls_loglevel=2';
    [client, noCache] = await Promise.all([
      startClient({ release, main: pageMain, master, routes: { 'a.test': `smtp2:${target}` } }),
      startClient({ release, main: pageMain.replace(/^smtp_tls_session_cache_database = .*$/m, ''), master, routes: { 'a.test': `smtp2:${target}` } }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([page?.stop(), old?.stop(), off?.stop(), client?.stop(), noCache?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs the page's save-then-resume block for one protocol version against a port; returns "New" or "Reused". */
  async function resume(id: 'resume-tls13' | 'resume-tls12', port: number): Promise<string> {
    const sess = join(work, `${id}-${port}.sess`);
    const replacements = { 'mx.example.com:25': `127.0.0.1:${port}`, '/tmp/mx.sess': sess };
    const res = id === 'resume-tls13'
      ? await runShellBlock('tls-session-caches-and-tickets', 'resume-tls13', { replacements })
      : await runShellBlock('tls-session-caches-and-tickets', 'resume-tls12', { replacements });
    const m = /^(New|Reused), (TLSv1\.[23])/m.exec(res.stdout);
    expect(m, res.out).not.toBeNull();
    expect(m![2]).toBe(id === 'resume-tls13' ? 'TLSv1.3' : 'TLSv1.2');
    return m![1]!;
  }

  it("the page's server settings resume TLS 1.3 and TLS 1.2 sessions from tickets", async () => {
    expect(await resume('resume-tls13', page!.ports[0]!)).toBe('Reused');
    expect(await resume('resume-tls12', page!.ports[0]!)).toBe('Reused');
    await page!.waitForLog(/Issuing session ticket, key expiration: \d+/);
    await page!.waitForLog(/Decrypting session ticket, key expiration: \d+/);
    expect(page!.log()).not.toMatch(/save session .* to smtpd cache/);
    const settings = await runShellBlock('tls-session-caches-and-tickets', 'show-settings', { instance: page! });
    expect(settings.stdout.trim()).toBe('smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache');
  });

  it('without tickets and without a cache database nothing resumes', async () => {
    expect(await resume('resume-tls13', page!.ports[1]!)).toBe('New');
    expect(await resume('resume-tls12', page!.ports[1]!)).toBe('New');
  });

  it('-o smtpd_tls_session_cache_timeout=0 on one smtpd does not stop resumption (tlsmgr decides)', async () => {
    expect(await resume('resume-tls13', page!.ports[2]!)).toBe('Reused');
  });

  it("the old guide's cache database resumes both versions with tickets off", async () => {
    expect(await resume('resume-tls13', old!.ports[1]!)).toBe('Reused');
    expect(await resume('resume-tls12', old!.ports[1]!)).toBe('Reused');
    expect(await resume('resume-tls13', old!.ports[0]!)).toBe('Reused');
  });

  it('smtpd_tls_session_cache_timeout = 0 in main.cf turns off tickets and the cache', async () => {
    for (const port of [off!.ports[0]!, off!.ports[1]!]) {
      expect(await resume('resume-tls13', port)).toBe('New');
      expect(await resume('resume-tls12', port)).toBe('New');
    }
  });

  it('the Postfix client reuses a cached session on its second delivery, and only with the cache', async () => {
    for (const pf of [client!, noCache!]) {
      expect((await deliver(pf, 'one@a.test')).status).toBe('sent');
      expect((await deliver(pf, 'two@a.test')).status).toBe('sent');
    }
    expect(client!.log()).toMatch(/save session \S+ to smtp cache/);
    expect(client!.log()).toMatch(/reloaded session \S+ from smtp cache/);
    expect(client!.log()).toMatch(/: Reusing old session/);
    expect(noCache!.log()).not.toMatch(/reloaded session|Reusing old session/);

    const log = join(client!.dir, 'maillog');
    const res = await runShellBlock('tls-session-caches-and-tickets', 'client-reuse-log', { replacements: { '/var/log/mail.log': log } });
    expect(res.stdout).toMatch(/reloaded session/);
    expect(res.stdout).toMatch(/Reusing old session/);
  });

  it('the clean-up commands remove the old settings and keep the client cache; roll back restores the server cache', async () => {
    const res = await runShellBlock('tls-session-caches-and-tickets', 'apply', { instance: old! });
    expect(res.code, res.out).toBe(0);
    const { stdout } = await old!.postconf('-n');
    expect(stdout).not.toMatch(/^(smtpd_tls_session_cache_database|smtpd_tls_session_cache_timeout|smtp_tls_session_cache_timeout|tls_random_source|tls_ssl_options) =/m);
    expect(stdout).toMatch(/^smtp_tls_session_cache_database = btree:\$\{data_directory\}\/smtp_scache$/m);
    await old!.waitForLog(/reload -- version/);

    const back = await runShellBlock('tls-session-caches-and-tickets', 'roll-back', { instance: old! });
    expect(back.code, back.out).toBe(0);
    expect((await old!.postconf('-n', 'smtpd_tls_session_cache_database')).stdout.trim()).toBe('smtpd_tls_session_cache_database = btree:${data_directory}/smtpd_scache');
  });
});
