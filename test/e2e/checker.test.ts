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
});
