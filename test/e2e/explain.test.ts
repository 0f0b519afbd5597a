import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, visit } from './browser.ts';

const baseUrl = inject('baseUrl');

// Real log lines (from the examples of content/log-patterns/ and the runs behind them).
const LINES = {
  anonymous: 'Nov 23 18:35:35 mx postfix/smtpd[20904]: Anonymous TLS connection established from localhost[127.0.0.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (prime256v1) server-digest SHA256',
  verifyFailure: 'Nov 23 18:38:20 client postfix/smtp[26504]: certificate verification failed for 127.0.0.1[127.0.0.1]:38295: untrusted issuer /CN=Postfix TLS test CA',
  unknownTls: 'Nov 23 18:35:39 mx postfix/smtpd[20904]: warning: TLS library problem: error:0A0000F4:SSL routines::unexpected message:../ssl/record/rec_layer_s3.c:1539:',
  notTls: 'Nov 23 18:35:35 mx postfix/smtpd[20904]: connect from localhost[127.0.0.1]',
};
const TEXT = [LINES.anonymous, LINES.verifyFailure, '', LINES.unknownTls, LINES.notTls].join('\n');

/**
 * Records every request the page makes from now on. The one exception is the tab icon: Chromium fetches
 * /favicon.svg by itself, at a moment of its choosing after load, with a fixed URL that carries nothing
 * the reader pasted.
 */
function recordRequests(page: Page): string[] {
  const seen: string[] = [];
  const favicon = new URL('/favicon.svg', baseUrl).href;
  page.on('request', (req) => { if (req.url() !== favicon) seen.push(req.url()); });
  return seen;
}

interface Shown { line: string; kind: string; pattern: string; badge: string; text: string }

async function shownResults(page: Page): Promise<Shown[]> {
  return page.locator('#explain-results > li').evaluateAll((items) => items.map((li) => ({
    line: li.getAttribute('value') ?? '',
    kind: (li as HTMLElement).dataset.kind ?? '',
    pattern: (li as HTMLElement).dataset.pattern ?? '',
    badge: li.querySelector('.badge')?.textContent ?? '',
    text: (li as HTMLElement).innerText,
  })));
}

function checkResults(results: Shown[]) {
  expect(results.map(({ line, kind, pattern, badge }) => ({ line, kind, pattern, badge }))).toEqual([
    { line: '1', kind: 'explained', pattern: 'connection-anonymous-inbound', badge: 'OK' },
    { line: '2', kind: 'explained', pattern: 'verify-untrusted-issuer', badge: 'Warning' },
    { line: '4', kind: 'unrecognised-tls', pattern: '', badge: 'Not recognised' },
    { line: '5', kind: 'not-tls', pattern: '', badge: 'Not about TLS' },
  ]);
  expect(results[0]!.text).toContain('The client localhost[127.0.0.1]');
  expect(results[0]!.text).toContain('TLSv1.3');
  expect(results[1]!.text).toContain('issued by /CN=Postfix TLS test CA');
  expect(results[1]!.text).toContain('smtp_tls_CAfile');
  expect(results[2]!.text).toMatch(/matches none of the \d+ kinds of line/);
}

describe.runIf(baseUrl)('/explain/ in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('explains pasted lines in the page, keeps them in the #fragment, and requests nothing after load', async () => {
    const { page, consoleErrors, foreignRequests } = await visit(browser, `${baseUrl}/explain/`);
    const afterLoad = recordRequests(page);

    const textarea = page.getByLabel('Postfix log lines');
    await textarea.fill(TEXT);
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('#explain-results > li').length === 4);

    checkResults(await shownResults(page));
    await expect(page.getByRole('status').textContent()).resolves
      .toBe('4 lines: 2 lines explained (1 warning, 1 OK), 1 TLS line not recognised, 1 line not about TLS.');
    // Parameter links point at the reference pages; nothing else is linked off-site.
    const paramLink = page.locator('#line-2 a[href="/parameters/smtp_tls_cafile/"]');
    await expect(paramLink.count()).resolves.toBe(1);
    const target = await fetch(baseUrl + await paramLink.getAttribute('href'));
    expect(target.status).toBe(200);
    expect(await target.text()).toMatch(/<h1[^>]*>smtp_tls_CAfile<\/h1>/);

    const url = new URL(page.url());
    expect(url.search).toBe('');
    expect(url.hash.startsWith('#log=')).toBe(true);
    expect(decodeURIComponent(url.hash.slice('#log='.length))).toBe(TEXT);

    // Following "About this kind of line" scrolls to the reference entry but keeps #log= in the address.
    await page.locator('#line-1 a.pattern-link').click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('pattern-connection-anonymous-inbound');
    expect(new URL(page.url()).hash).toBe(url.hash);

    expect(afterLoad).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);

    // Opening the shared link restores the text and the results.
    const again = await visit(browser, url.href);
    await again.page.waitForFunction(() => document.querySelectorAll('#explain-results > li').length === 4);
    await expect(again.page.getByLabel('Postfix log lines').inputValue()).resolves.toBe(TEXT);
    checkResults(await shownResults(again.page));
    expect(again.consoleErrors).toEqual([]);
    expect(again.foreignRequests).toEqual([]);
    await again.page.close();
    await page.close();
  });

  it('explains as you type and can be driven from the keyboard alone', async () => {
    const { page, consoleErrors } = await visit(browser, `${baseUrl}/explain/`);
    const afterLoad = recordRequests(page);
    await page.getByLabel('Postfix log lines').focus();
    await page.keyboard.type(LINES.notTls);
    await page.waitForFunction(() => document.querySelectorAll('#explain-results > li').length === 1);
    await expect(page.locator('#explain-results > li .badge').textContent()).resolves.toBe('Not about TLS');

    // Tab from the text area reaches the Explain button; Enter submits.
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Explain');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/^1 line: 0 lines explained/);
    expect(afterLoad).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('shows lines with terminal colour codes (journalctl, grep --color) without the codes, and explains them', async () => {
    const { page } = await visit(browser, `${baseUrl}/explain/`);
    const coloured = LINES.anonymous.replace('Anonymous TLS', '\u001b[1;31mAnonymous TLS\u001b[0m').replace('Nov 23', '\u001b[2mNov 23\u001b[0m');
    await page.getByLabel('Postfix log lines').fill(coloured);
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await page.locator('#explain-results > li[data-pattern="connection-anonymous-inbound"]').waitFor();
    await expect(page.locator('#line-1 .raw-line').textContent()).resolves.toBe(LINES.anonymous);
    await page.close();
  });

  it('applies a #log= link opened in a tab already on /explain/', async () => {
    const { page } = await visit(browser, `${baseUrl}/explain/`);
    await page.getByLabel('Postfix log lines').fill(LINES.notTls);
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await expect.poll(() => page.url()).toContain('#log=');
    await page.evaluate('window.__samePage = true');
    await page.goto(`${baseUrl}/explain/#log=${encodeURIComponent(LINES.verifyFailure)}`);
    await expect.poll(() => page.getByLabel('Postfix log lines').inputValue()).toBe(LINES.verifyFailure);
    await page.locator('#explain-results > li[data-pattern="verify-untrusted-issuer"]').waitFor();
    expect(await page.evaluate('window.__samePage')).toBe(true);
    await page.close();
  });

  it('stays responsive with a 20 000-line log: explained off the page, listed 200 at a time', async () => {
    const { page, consoleErrors } = await visit(browser, `${baseUrl}/explain/`);
    await page.evaluate(`window.__lt = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lt.push(e.duration); }).observe({ type: 'longtask' })`);
    const log = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? LINES.notTls : LINES.anonymous)).join('\n');
    await page.evaluate(`window.__log = ${JSON.stringify(log)}`);
    await page.evaluate(`(() => { const box = document.querySelector('#log-input'); box.value = window.__log; box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' })); })()`);
    await page.locator('#explain-summary:not([data-busy])').filter({ hasText: '20000 lines' }).waitFor({ timeout: 30_000 });
    await expect(page.locator('#explain-summary').textContent()).resolves
      .toBe('20000 lines: 10000 lines explained (10000 OK), 0 TLS lines not recognised, 10000 lines not about TLS. The text is too long to keep in the link.');
    await expect(page.locator('#explain-results > li').count()).resolves.toBe(200);
    await page.click('#explain-more');
    await expect.poll(() => page.locator('#explain-results > li').count()).toBe(400);
    await expect(page.locator('#explain-results > li').last().getAttribute('value')).resolves.toBe('400');
    await expect(page.locator('#explain-more').textContent()).resolves.toBe('Show 200 more (19,600 not shown yet)');
    // Typing into the box while it holds 20 000 lines.
    await page.locator('#log-input').focus();
    await page.keyboard.type(' x', { delay: 50 });
    await page.locator('#explain-summary:not([data-busy])').waitFor({ timeout: 30_000 });
    expect(Number(await page.evaluate('Math.max(0, ...window.__lt)'))).toBeLessThan(1000);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('without JavaScript, the reference list still shows every pattern with an anchor and an example', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/explain/`);
    await expect(page.locator('h1').first().textContent()).resolves.toBe('Explain Postfix TLS log lines');
    await expect(page.locator('#explain-form').isVisible()).resolves.toBe(false);
    const entries = page.locator('article[id^="pattern-"]');
    const count = await entries.count();
    expect(count).toBeGreaterThanOrEqual(20);
    await expect(page.locator('article[id^="pattern-"] pre code').count()).resolves.toBe(count);
    await expect(page.locator('article[id^="pattern-"] .badge').count()).resolves.toBe(count);
    await expect(page.locator('#pattern-connection-anonymous-inbound pre').textContent()).resolves.toContain('Anonymous TLS connection established from');
    await context.close();
  });
});
