// Nothing typed into the search box is lost while its UI loads: the search dialog opened right after page load
// (by Ctrl+K and by clicking) and typed into at once ends up with the whole query, in order.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';

const baseUrl = inject('baseUrl');
const QUERY = 'smtpd_tls_auth_only';

/** Opens `path` and, as soon as the search button works, opens search and types QUERY without a pause. */
async function typeRightAway(page: Page, path: string, how: 'keyboard' | 'click', slowUi: boolean): Promise<string> {
  await page.unrouteAll();
  // Half the runs hold back the search UI's script (as a slow connection would), so the typing is sure to
  // happen while it loads; the other half run at the local server's speed.
  if (slowUi) await page.route(/\/_astro\/ui-core\.[\w-]+\.js$/, async (route) => { await new Promise((r) => setTimeout(r, 400)); await route.continue(); });
  await page.goto(`${baseUrl}${path}`, { waitUntil: 'domcontentloaded' });
  const button = page.locator('button[data-open-modal]:not([disabled])');
  await button.waitFor();
  if (how === 'keyboard') await page.keyboard.press('Control+k');
  else await button.click();
  await page.keyboard.type(QUERY);
  const input = page.locator('dialog[open] .pagefind-ui__search-input');
  await input.waitFor({ timeout: 15_000 });
  await expect.poll(() => page.locator('dialog[open] .search-typeahead').count()).toBe(0);
  // The typed query also reaches the search: the results list answers it.
  await page.locator('dialog[open] .pagefind-ui__result-link').first().waitFor({ timeout: 15_000 });
  return input.inputValue();
}

describe.runIf(baseUrl)('typing into search while it loads', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => { await browser?.close(); });

  it('keeps every keystroke, opened by Ctrl+K or by click, many times over', async () => {
    const got: string[] = [];
    const paths = ['/', '/parameters/', '/parameters/smtpd_tls_security_level/', '/recipes/acme-certificate/'];
    for (let i = 0; i < 16; i++) {
      const how = i % 4 < 2 ? 'keyboard' : 'click';
      const value = await typeRightAway(page, paths[i % paths.length]!, how, i % 2 === 0);
      if (value !== QUERY) got.push(`run ${i} (${how}): "${value}"`);
    }
    expect(got).toEqual([]);
  });

  it('the caret stays where the reader left it, so typing on continues the query', async () => {
    await typeRightAway(page, '/', 'keyboard', true);
    await page.keyboard.type(' mandatory');
    expect(await page.locator('dialog[open] .pagefind-ui__search-input').inputValue()).toBe(`${QUERY} mandatory`);
  });
});
