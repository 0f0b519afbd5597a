// Drives the site's real search box (Starlight's dialog with Pagefind's UI, as readers use it) in Chromium.
import type { Page } from 'playwright-core';

/** Opens the search dialog with Ctrl+K and waits until the real search field has the focus. */
export async function openSearch(page: Page): Promise<void> {
  await page.locator('button[data-open-modal]:not([disabled])').waitFor();
  await page.keyboard.press('Control+k');
  await page.locator('dialog[open] .pagefind-ui__search-input').waitFor({ timeout: 15_000 });
}

/**
 * Replaces the query with `query` and returns the result links as listed, first to last (page addresses,
 * without the sub-result anchors), with the note shown above them when the search had to relax the query.
 */
export async function queryResults(page: Page, query: string): Promise<{ urls: string[]; note: string }> {
  const input = page.locator('dialog[open] .pagefind-ui__search-input');
  await input.fill(query);
  // Wait until the list answers this query (the UI shows "N results for <query>" or "No results for") and
  // the first results have loaded (a result shows a placeholder until its page data arrives).
  await page.waitForFunction((q) => {
    const msg = document.querySelector('dialog[open] .pagefind-ui__message')?.textContent ?? '';
    if (!msg.trim().endsWith(q.trim()) || /^Searching/i.test(msg)) return false;
    const shown = [...document.querySelectorAll('dialog[open] .pagefind-ui__result')].slice(0, 5);
    return (shown.length > 0 || /^No results/i.test(msg)) && shown.every((r) => r.querySelector('.pagefind-ui__result-link'));
  }, query, { timeout: 15_000 });
  return page.evaluate(() => {
    const urls = [...document.querySelectorAll('dialog[open] .pagefind-ui__result > .pagefind-ui__result-inner > .pagefind-ui__result-title > .pagefind-ui__result-link')]
      .map((a) => (a.getAttribute('href') ?? '').split('#')[0]!);
    const note = document.querySelector('dialog[open] .search-note')?.textContent ?? '';
    return { urls, note };
  });
}
