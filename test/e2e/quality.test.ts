// Accessibility (axe-core) and privacy (CSP, no foreign requests) on every page template.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations } from './axe.ts';
import { launchChromium, visit } from './browser.ts';
import { templates } from './templates.ts';

const baseUrl = inject('baseUrl');

describe.runIf(baseUrl)('quality budgets on every template', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  for (const [name, path] of Object.entries(templates)) {
    it(`${name}: no axe violations, CSP in place, nothing fetched from elsewhere`, async () => {
      const { page, consoleErrors, foreignRequests } = await visit(browser, baseUrl + path);
      expect(await axeViolations(page)).toEqual([]);
      const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      expect(csp).toContain("connect-src 'self'");
      expect(consoleErrors).toEqual([]);
      expect(foreignRequests).toEqual([]);
      await page.close();
    });
  }

  it('the search dialog has no axe violations and is usable from the keyboard', async () => {
    const { page, consoleErrors } = await visit(browser, `${baseUrl}/`);
    // Everything the page has fetched since it started loading.
    const searchAssets = async () => (await page.evaluate(`performance.getEntriesByType('resource').map((e) => e.name)`) as string[])
      .filter((u) => /\/pagefind\/|\/ui-core\.|\/pagefind-ui\./.test(u)); // not the small lazy-pagefind-ui wrapper
    await page.locator('button[data-open-modal]:not([disabled])').waitFor();
    // Idle time in which Starlight would have built the search UI, had it not been deferred.
    await page.waitForTimeout(1500);
    expect(await searchAssets(), 'nothing of search is fetched before the dialog opens').toEqual([]);
    await page.keyboard.press('Control+k');
    // activeElement rather than :focus (which needs the window focused); polled slowly because Starlight
    // loads the search UI on requestIdleCallback, and constant polling leaves the page no idle time.
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.className'), { timeout: 15_000, interval: 500 })
      .toContain('pagefind-ui__search-input').catch((e) => { throw new Error(`${e.message}; console: ${consoleErrors.join(' | ')}`); });
    await page.keyboard.type('smtpd_tls_security_level');
    const first = page.locator('dialog[open] .pagefind-ui__result-link').first();
    await first.waitFor();
    expect(await first.getAttribute('href')).toBe('/parameters/smtpd_tls_security_level/');
    // Pagefind's stylesheet arrives with the UI and is applied (the results area takes the free width).
    expect((await searchAssets()).filter((u) => /\/_astro\/pagefind-ui\.[\w-]+\.css$/.test(u))).toHaveLength(1);
    expect(await page.evaluate(`getComputedStyle(document.querySelector('.pagefind-ui__results-area')).flexGrow`)).toBe('1000');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('the CSP blocks a request to another origin', async () => {
    const { page } = await visit(browser, `${baseUrl}/check/`);
    const outcome = await page.evaluate(`fetch('http://127.0.0.2:9/collect', { method: 'POST', body: 'x' }).then(() => 'sent', (e) => 'blocked: ' + e.message)`);
    expect(outcome).toMatch(/^blocked/);
    await page.close();
  });
});
