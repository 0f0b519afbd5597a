// The in-browser checker: findings with fix and links, a shareable fragment link, and no network use; large
// input that never freezes the tab; dropped files, misplaced text and share links opened in a busy tab.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations } from './axe.ts';
import { launchChromium, visit } from './browser.ts';
import { overflowProbe } from './overflow.ts';

const baseUrl = inject('baseUrl');
const MAIN = 'smtpd_tls_security_level = encrypt\nsmtpd_tls_cert_file = /etc/ssl/certs/mx.pem\nsmtpd_tls_key_file = /etc/ssl/private/mx.key\nsmtpd_tls_securty_level = may\n';
const MASTER = 'smtp      inet  n       -       y       -       -       smtpd\nsubmission inet n       -       y       -       -       smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n';
const POLICY = 'example.com          secure\n[mail.example.net]:587 encrypt\n.example.org         verify match=.example.org\n';

/** A mail log of `n` lines, the common slip: pasted into the main.cf box. */
const mailLog = (n: number) => Array.from({ length: n }, (_, i) =>
  `Nov 23 18:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} mx postfix/smtpd[${20904 + (i % 500)}]: ${i % 2 ? `connect from unknown[192.0.2.${i % 250}]` : `Anonymous TLS connection established from unknown[192.0.2.${i % 250}]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`}`).join('\n') + '\n';

/** A long main.cf, mostly comments as the stock one is, with a value Postfix rejects every 64th line
 * (set again each time): a few hundred findings. */
const bigMainCf = (n: number) => Array.from({ length: n }, (_, i) =>
  (i % 64 === 5 ? 'smtpd_tls_security_level = maybe' : `# ${i}: the default is fine for most sites; see postconf(5) before changing it`)).join('\n') + '\n';

/** Waits for the checker's answer to the last input (the summary loses data-busy when it arrives). */
async function answered(page: Page): Promise<string> {
  await page.locator('#summary:not([data-busy])').waitFor();
  return page.locator('#summary').innerText();
}

/** Starts recording main-thread blocks (long tasks) in the page; `longest` reads the largest since then. */
async function recordLongTasks(page: Page) {
  await page.evaluate(`window.__lt = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lt.push(e.duration); }).observe({ type: 'longtask' })`);
  return { longest: async () => Number(await page.evaluate('Math.max(0, ...window.__lt)')) };
}

/** Puts text into a box as a paste does: the value changes and an input event follows. */
async function paste(page: Page, selector: string, text: string) {
  await page.evaluate(`window.__paste = ${JSON.stringify(text)}`);
  await page.evaluate(`(() => { const box = document.querySelector(${JSON.stringify(selector)}); box.value = window.__paste;
    box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' })); })()`);
}

/** Drops files on `target` (a CSS selector) the way a browser does: one DataTransfer, one drop event. */
async function drop(page: Page, target: string, files: { name: string; type?: string; text?: string; bytes?: number[] }[]) {
  await page.evaluate(`(() => {
    const dt = new DataTransfer();
    for (const f of ${JSON.stringify(files)}) dt.items.add(new File([f.bytes ? new Uint8Array(f.bytes) : f.text], f.name, { type: f.type || 'text/plain' }));
    document.querySelector(${JSON.stringify(target)}).dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  })()`);
}

describe.runIf(baseUrl)('config checker page', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('shows findings with position, fix and links, and makes no request while checking', async () => {
    const { page, consoleErrors, foreignRequests } = await visit(browser, `${baseUrl}/check/`);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.fill('#input-main', MAIN);
    await page.click('button[type=submit]');
    expect(await answered(page)).toMatch(/error/);
    const finding = page.locator('.finding', { hasText: 'unknown-parameter' });
    await expect(finding.count()).resolves.toBe(1);
    const text = await finding.innerText();
    expect(text).toContain('main.cf:4:1');
    expect(text).toContain('Did you mean smtpd_tls_security_level?');
    expect(text).toMatch(/Fix: /);
    await expect(finding.locator('a[href="/rules/unknown-parameter/"]').count()).resolves.toBe(1);
    await expect(page.locator('.finding', { hasText: 'tls-required-on-mx' }).count()).resolves.toBe(1);
    // The page's styles reach the findings its script creates: the severity badge is coloured.
    const badge = await finding.locator('.badge').evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(badge).not.toMatch(/^(transparent|rgba\(0, 0, 0, 0\))$/);
    // The browser may fetch the site's favicon lazily; nothing else may be requested while checking (the
    // worker that runs the check was loaded with the page).
    expect(requests.filter((u) => !u.endsWith('/favicon.svg'))).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('keeps the input in the URL fragment (never the query) and restores it from a shared link', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.fill('#input-main', MAIN);
    await page.selectOption('select[name=postfix]', '3.7');
    await page.click('button[type=submit]');
    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('#c=');
    const shared = page.url();
    expect(new URL(shared).search).toBe('');
    await page.close();

    const { page: other } = await visit(browser, shared);
    await expect(other.locator('#input-main').inputValue()).resolves.toBe(MAIN);
    await expect(other.locator('select[name=postfix]').inputValue()).resolves.toBe('3.7');
    await other.locator('.finding', { hasText: 'unknown-parameter' }).waitFor();
    await other.close();
  });

  it('applies a share link opened in a tab that is already on /check/ (the fragment changes, the page stays)', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.fill('#input-main', MAIN);
    await page.click('button[type=submit]');
    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('#c=');
    const first = page.url();
    await page.fill('#input-main', 'smtpd_tls_security_level = may\n');
    await page.selectOption('select[name=postfix]', '3.7');
    await page.click('button[type=submit]');
    await expect.poll(() => page.url(), { timeout: 10_000 }).not.toBe(first);
    await expect(page.locator('.finding', { hasText: 'unknown-parameter' }).count()).resolves.toBe(0);

    // Open the first link in the same tab: only the fragment differs, so the document is not reloaded.
    await page.evaluate('window.__samePage = true');
    await page.goto(first);
    await expect.poll(() => page.locator('#input-main').inputValue()).toBe(MAIN);
    expect(await page.evaluate('window.__samePage')).toBe(true);
    await expect(page.locator('select[name=postfix]').inputValue()).resolves.not.toBe('3.7');
    await page.locator('.finding', { hasText: 'unknown-parameter' }).waitFor();
    expect(await answered(page)).toMatch(/finding/);
    // An ordinary anchor leaves the boxes alone.
    await page.goto(`${baseUrl}/check/#findings`);
    await expect(page.locator('#input-main').inputValue()).resolves.toBe(MAIN);
    await page.close();
  });

  it('a clean tutorial configuration produces no findings', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.fill('#input-main', 'smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem\nsmtpd_tls_security_level = may\nsmtp_tls_security_level = may\n');
    await page.click('button[type=submit]');
    expect(await answered(page)).toMatch(/^No findings/);
    await page.close();
  });

  it('checks master.cf and a policy table too; a finding links to its parameter page', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.fill('#input-main', 'smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem\nsmtpd_tls_security_level = may\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy\nsmtpd_use_tls = yes\n');
    await page.fill('#input-master', 'submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n');
    await page.fill('#input-policy', 'example.com  MUST\n');
    await page.click('button[type=submit]');
    await answered(page);
    const submission = page.locator('.finding', { hasText: 'submission-tls-optional' });
    await expect(submission.innerText()).resolves.toContain('master.cf:1:');
    await expect(page.locator('.finding', { hasText: 'policy-invalid-level' }).innerText()).resolves.toMatch(/policy[^:\n]*:1:/);
    const deprecated = page.locator('.finding', { hasText: 'deprecated-parameter' });
    const href = await deprecated.locator('a[href^="/parameters/"]').first().getAttribute('href');
    expect(href).toBe('/parameters/smtpd_use_tls/');
    expect((await fetch(baseUrl + href)).status).toBe(200);
    await page.close();
  });

  it('judges defaults by the chosen compatibility level', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    // A SHA-256 fingerprint without smtp_tls_fingerprint_digest: right only where the default is sha256.
    await page.fill('#input-main', `smtp_tls_security_level = fingerprint\nsmtp_tls_fingerprint_cert_match = ${'AB:'.repeat(31)}AB\n`);
    await page.selectOption('select[name=postfix]', '3.7');
    const findingsAt = async (compat: string) => {
      await page.selectOption('select[name=compat]', compat);
      await page.click('button[type=submit]');
      await answered(page);
      return page.locator('.finding', { hasText: 'fingerprint-digest-mismatch' }).count();
    };
    await expect(findingsAt('2')).resolves.toBe(1);
    await expect(findingsAt('3.6')).resolves.toBe(0);
    await page.close();
  });

  it('keeps working offline once loaded', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.context().setOffline(true);
    try {
      await page.fill('#input-main', MAIN);
      await page.click('button[type=submit]');
      await answered(page);
      await expect(page.locator('.finding', { hasText: 'unknown-parameter' }).count()).resolves.toBe(1);
      await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('#c=');
    } finally {
      await page.context().setOffline(false);
      await page.close();
    }
  });

  it('answers a 20 000-line mail log pasted into main.cf with one message, never blocking the page for a second', async () => {
    const { page, consoleErrors } = await visit(browser, `${baseUrl}/check/`);
    const tasks = await recordLongTasks(page);
    const started = Date.now();
    await paste(page, '#input-main', mailLog(20_000));
    expect(await answered(page)).toMatch(/^Nothing checked: the main\.cf box holds a Postfix mail log\. See the note under the box\./);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(page.locator('.finding').count()).resolves.toBe(0);
    const note = page.locator('#note-main');
    await expect(note.innerText()).resolves.toMatch(/holds a Postfix mail log, not a configuration file/);
    // Too long for a link to the explainer: the note says where to paste it instead.
    await expect(note.locator('a[href="/explain/"]').count()).resolves.toBe(1);
    expect(await tasks.longest()).toBeLessThan(1000);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('checks a 20 000-line main.cf in full, lists findings 100 at a time with a count, and typing stays responsive', async () => {
    const { page, consoleErrors } = await visit(browser, `${baseUrl}/check/`);
    const tasks = await recordLongTasks(page);
    await paste(page, '#input-main', bigMainCf(20_000));
    const summary = await answered(page);
    // 313 values Postfix rejects, 312 of them set again later: every one is counted.
    const total = Number(/^([\d,]+) findings: /.exec(summary)?.[1]?.replace(/,/g, ''));
    expect(total).toBeGreaterThanOrEqual(625);
    expect(summary).toMatch(/ 313 errors, .* The first 100 are listed\./);
    await expect(page.locator('.finding').count()).resolves.toBe(100);
    await page.click('#show-more');
    await expect.poll(() => page.locator('.finding').count()).toBe(200);
    await expect(page.locator('#show-more').innerText()).resolves.toBe(`Show 100 more (${(total - 200).toLocaleString('en')} not shown yet)`);
    // Typing at the end of the box: every keystroke is handled at once; the check follows in the worker.
    await page.locator('#input-main').focus();
    await page.evaluate(`document.querySelector('#input-main').setSelectionRange(1e9, 1e9)`);
    await page.keyboard.type('smtpd_tls_loglevel = 1', { delay: 50 });
    await page.keyboard.press('Enter');
    await page.locator('#summary[data-busy]').waitFor({ state: 'detached', timeout: 20_000 }).catch(() => {});
    expect(await answered(page)).toMatch(/^[\d,]+ findings/);
    expect(await tasks.longest()).toBeLessThan(1000);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('recognises master.cf and a policy table in the main.cf box and moves them to the right box', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.fill('#input-main', MASTER);
    expect(await answered(page)).toBe('Nothing checked: the main.cf box holds master.cf. See the note under the box.');
    await expect(page.locator('.finding').count()).resolves.toBe(0);
    const note = page.locator('#note-main');
    await expect(note.innerText()).resolves.toContain('looks like master.cf, not main.cf');
    expect(await axeViolations(page)).toEqual([]);
    await note.getByRole('button', { name: 'Move it to the master.cf box' }).click();
    await expect(page.locator('#input-master').inputValue()).resolves.toBe(MASTER);
    await expect(page.locator('#input-main').inputValue()).resolves.toBe('');
    expect(await answered(page)).toMatch(/finding|No findings/);
    await expect(note.isHidden()).resolves.toBe(true);

    await page.fill('#input-main', POLICY);
    await expect.poll(() => page.locator('#note-main').innerText()).toContain('looks like a TLS policy table');
    expect(await answered(page)).toMatch(/Not checked: the main\.cf box/);
    await note.getByRole('button', { name: 'Move it to the TLS policy table box' }).click();
    await expect(page.locator('#input-policy').inputValue()).resolves.toBe(POLICY);
    await expect.poll(() => page.locator('#note-main').isHidden()).toBe(true);
    await page.close();
  });

  it('the note under a box and the findings pass axe in dark mode too', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/check/`);
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.fill('#input-main', MAIN);
    await page.fill('#input-policy', MASTER);
    await page.click('button[type=submit]');
    await answered(page);
    await expect(page.locator('#note-policy').isVisible()).resolves.toBe(true);
    await expect(page.locator('.finding').count()).resolves.toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });

  it('takes dropped files through the same path as pasted text: each into its box, or refused with a reason', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    // One file on its own box (the original behaviour).
    await drop(page, '[data-file="main"]', [{ name: 'main.cf', text: MAIN }]);
    await expect.poll(() => page.locator('#input-main').inputValue()).toBe(MAIN);
    await page.locator('.finding', { hasText: 'unknown-parameter' }).waitFor();

    // A byte order mark is kept, as a paste keeps it, so the checker flags it either way.
    await drop(page, '[data-file="main"]', [{ name: 'main.cf', bytes: [0xef, 0xbb, 0xbf, ...Buffer.from('smtpd_tls_security_level = may\n')] }]);
    await expect.poll(() => page.locator('#input-main').inputValue()).toBe('\ufeffsmtpd_tls_security_level = may\n');
    await page.locator('.finding', { hasText: 'lookalike-character' }).waitFor();
    await page.fill('#input-main', '');
    await paste(page, '#input-main', '\ufeffsmtpd_tls_security_level = may\n');
    await page.locator('.finding', { hasText: 'lookalike-character' }).waitFor();

    // Several files at once, all dropped on the main.cf box: each goes where its name or content says.
    await page.fill('#input-main', '');
    const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0];
    await drop(page, '[data-file="main"]', [
      { name: 'main.cf', text: MAIN },
      { name: 'services.txt', text: MASTER },
      { name: 'tls_policy', text: POLICY },
      { name: 'screenshot.png', type: 'image/png', bytes: png },
      { name: 'mail.log', text: mailLog(20) },
      { name: 'main.cf.orig', text: 'smtpd_tls_loglevel = 1\n' },
    ]);
    await expect.poll(() => page.locator('#input-master').inputValue()).toBe(MASTER);
    await expect(page.locator('#input-main').inputValue()).resolves.toBe(MAIN);
    await expect(page.locator('#input-policy').inputValue()).resolves.toBe(POLICY);
    const report = await page.locator('#drop-status').innerText();
    expect(report).toContain('main.cf → the main.cf box.');
    expect(report).toContain('services.txt → the master.cf box.');
    expect(report).toContain('tls_policy → the TLS policy table box.');
    expect(report).toMatch(/screenshot\.png is not a text file \(image\/png\); it was not loaded\./);
    expect(report).toContain('mail.log is a Postfix mail log, not a configuration file; it was not loaded.');
    expect(report).toContain('main.cf.orig was not loaded: main.cf already went into the main.cf box (one file per box).');
    const summary = await answered(page);
    expect(summary).toMatch(/finding/);
    await page.locator('.finding', { hasText: 'submission' }).first().waitFor();
    await page.close();
  });

  it('answers at once when an 8 MB mail log is dropped: refused with a reason, the page never loads it', async () => {
    const { page, consoleErrors } = await visit(browser, `${baseUrl}/check/`);
    const tasks = await recordLongTasks(page);
    const started = Date.now();
    // The file is made in the page: 60 000 lines of about 140 bytes.
    await page.evaluate(`(() => {
      const line = (i) => 'Nov 23 18:35:35 mx postfix/smtpd[' + i + ']: Anonymous TLS connection established from unknown[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384';
      const dt = new DataTransfer();
      dt.items.add(new File([Array.from({ length: 60000 }, (_, i) => line(i)).join('\\n')], 'maillog'));
      document.querySelector('[data-file="main"]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    await expect.poll(() => page.locator('#drop-status').innerText()).toBe('maillog is a Postfix mail log, not a configuration file; it was not loaded. The log explainer reads mail logs.');
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(page.locator('#input-main').inputValue()).resolves.toBe('');
    expect(await tasks.longest()).toBeLessThan(1000);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('fits a phone: findings, excerpts and notes stay inside the column, and the buttons line up', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/check/`);
    const longLine = `smtpd_tls_chain_files = ${Array.from({ length: 12 }, (_, i) => `/etc/letsencrypt/live/mail${i}.example.com/fullchain.pem`).join(',')}\nsmtpd_tls_securty_level = may\nsmtp_tls_mandatory_ciphers = ${'x'.repeat(300)}\n`;
    await page.fill('#input-main', longLine);
    await page.fill('#input-master', 'smtp inet n - y - - smtpd\n');
    await page.fill('#input-policy', MASTER);
    await page.click('button[type=submit]');
    await answered(page);
    await expect(page.locator('.finding').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#note-policy').isVisible()).resolves.toBe(true);
    expect(await page.evaluate(overflowProbe)).toEqual([]);
    const tops = await page.locator('.actions button').evaluateAll((bs) => bs.map((b) => Math.round(b.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
    await context.close();
  });
});
