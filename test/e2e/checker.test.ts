// The in-browser checker: findings with fix and links, a shareable fragment link, and no network use.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, visit } from './browser.ts';

const baseUrl = inject('baseUrl');
const MAIN = 'smtpd_tls_security_level = encrypt\nsmtpd_tls_cert_file = /etc/ssl/certs/mx.pem\nsmtpd_tls_key_file = /etc/ssl/private/mx.key\nsmtpd_tls_securty_level = may\n';

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
    const finding = page.locator('.finding', { hasText: 'unknown-parameter' });
    await expect(finding.count()).resolves.toBe(1);
    const text = await finding.innerText();
    expect(text).toContain('main.cf:4:1');
    expect(text).toContain('Did you mean smtpd_tls_security_level?');
    expect(text).toMatch(/Fix: /);
    await expect(finding.locator('a[href="/rules/unknown-parameter/"]').count()).resolves.toBe(1);
    await expect(page.locator('.finding', { hasText: 'tls-required-on-mx' }).count()).resolves.toBe(1);
    expect(await page.locator('#summary').innerText()).toMatch(/error/);
    // The browser may fetch the site's favicon lazily; nothing else may be requested while checking.
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

  it('a clean tutorial configuration produces no findings', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.fill('#input-main', 'smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem\nsmtpd_tls_security_level = may\nsmtp_tls_security_level = may\n');
    await page.click('button[type=submit]');
    await expect(page.locator('#summary').innerText()).resolves.toMatch(/^No findings/);
    await page.close();
  });

  it('checks master.cf and a policy table too; a finding links to its parameter page', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.fill('#input-main', 'smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem\nsmtpd_tls_security_level = may\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy\nsmtpd_use_tls = yes\n');
    await page.fill('#input-master', 'submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n');
    await page.fill('#input-policy', 'example.com  MUST\n');
    await page.click('button[type=submit]');
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
      await page.locator('#summary').filter({ hasText: /finding/i }).waitFor();
      return page.locator('.finding', { hasText: 'fingerprint-digest-mismatch' }).count();
    };
    await expect(findingsAt('2')).resolves.toBe(1);
    await expect(findingsAt('3.6')).resolves.toBe(0);
    await page.close();
  });

  it('takes a dropped file into the box it is dropped on', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([${JSON.stringify(MAIN)}], 'main.cf', { type: 'text/plain' }));
      document.querySelector('[data-file="main"]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    await expect.poll(() => page.locator('#input-main').inputValue()).toBe(MAIN);
    await page.locator('.finding', { hasText: 'unknown-parameter' }).waitFor();
    await page.close();
  });

  it('keeps working offline once loaded', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    await page.context().setOffline(true);
    try {
      await page.fill('#input-main', MAIN);
      await page.click('button[type=submit]');
      await expect(page.locator('.finding', { hasText: 'unknown-parameter' }).count()).resolves.toBe(1);
      await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('#c=');
    } finally {
      await page.context().setOffline(false);
      await page.close();
    }
  });
});
