// Pagefind over the built site: an exact parameter name ranks that parameter first, for every parameter.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parameterPath } from '../../src/lib/urls.ts';
import { searchRanking } from '../../src/search-ranking.ts';
import { realFacts } from '../support/content.ts';
import { launchChromium } from './browser.ts';
import { openSearch, queryResults } from './search-box.ts';

const baseUrl = inject('baseUrl');

type Hit = { url: string; content: string; filters: Record<string, string[]> };

/** Runs queries with Pagefind's own JS API inside the page and returns the top results. */
async function searchHits(page: Page, queries: string[], top = 1, filters: Record<string, string> = {}): Promise<Record<string, Hit[]>> {
  // Passed as source text: the test runner would otherwise rewrite the dynamic import().
  return page.evaluate(`(async ({ queries, top, ranking, filters }) => {
    const pagefind = await import('/pagefind/pagefind.js');
    await pagefind.options({ ranking });
    await pagefind.init();
    const out = {};
    for (const q of queries) {
      const { results } = await pagefind.search(q, { filters });
      out[q] = await Promise.all(results.slice(0, top).map(async (r) => {
        const { url, content, filters } = await r.data();
        return { url, content, filters };
      }));
    }
    return out;
  })(${JSON.stringify({ queries, top, ranking: searchRanking, filters })})`);
}

async function search(page: Page, queries: string[], top = 1, filters: Record<string, string> = {}): Promise<Record<string, string[]>> {
  const hits = await searchHits(page, queries, top, filters);
  return Object.fromEntries(Object.entries(hits).map(([q, list]) => [q, list.map((h) => h.url)]));
}

describe.runIf(baseUrl)('search', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
  });
  afterAll(async () => { await browser?.close(); });

  it('puts the parameter page first for every exact parameter name', async () => {
    const names = [...(await realFacts()).parameters.keys()];
    const results = await search(page, names);
    const wrong = names.filter((n) => results[n]?.[0] !== parameterPath(n)).map((n) => `${n} -> ${results[n]?.[0]}`);
    expect(wrong).toEqual([]);
  });

  it('a parameter page carries its name as metadata for the ranking; a recipe about the parameter does not', async () => {
    // A recipe with the name in its title and all through its text scores as high as the parameter page on the
    // word alone (Pagefind's word score saturates); the boost for a match in the `name` field separates them.
    const hits = await page.evaluate(`(async ({ ranking }) => {
      const pagefind = await import('/pagefind/pagefind.js');
      await pagefind.options({ ranking });
      await pagefind.init();
      const out = [];
      for (const r of (await pagefind.search('smtpd_use_tls')).results.slice(0, 5)) { const d = await r.data(); out.push({ url: d.url, name: d.meta.name ?? null }); }
      return out;
    })(${JSON.stringify({ ranking: searchRanking })})`) as { url: string; name: string | null }[];
    expect(searchRanking.metaWeights.name).toBeGreaterThan(0);
    expect(hits[0]).toEqual({ url: parameterPath('smtpd_use_tls'), name: 'smtpd_use_tls' });
    expect(hits.find((h) => h.url === '/recipes/migrate-legacy-tls-settings/')).toEqual({ url: '/recipes/migrate-legacy-tls-settings/', name: null });
  });

  it('the search box: a name alone leads to its page, without showing the name field; a question around the name to the recipe', async () => {
    const ui = await browser.newPage();
    try {
      await ui.goto(`${baseUrl}/`, { waitUntil: 'networkidle' });
      await openSearch(ui);
      expect((await queryResults(ui, 'relayhost')).urls[0]).toBe(parameterPath('relayhost'));
      expect(await ui.locator('dialog[open] .pagefind-ui__result-tag').count()).toBe(0);
      // The parameter page does not name the provider; a recipe that uses relayhost and does comes first, and
      // the parameter page right after it.
      const { urls } = await queryResults(ui, 'relayhost office365 587');
      expect(['/recipes/relayhost-tls-sasl/', '/recipes/smart-hosts-m365-google-ses/']).toContain(urls[0]);
      expect(urls[1]).toBe(parameterPath('relayhost'));
    } finally {
      await ui.close();
    }
  });

  it('a partial name lists the smtpd and smtp variants', async () => {
    const { mandatory_protocols: urls } = await search(page, ['mandatory_protocols'], 10);
    expect(urls).toEqual(expect.arrayContaining([parameterPath('smtpd_tls_mandatory_protocols'), parameterPath('smtp_tls_mandatory_protocols')]));
  });

  it('a legacy name finds its own page, which names the replacement', async () => {
    const { smtpd_use_tls: [first] } = await search(page, ['smtpd_use_tls']);
    expect(first).toBe(parameterPath('smtpd_use_tls'));
    const res = await fetch(baseUrl + first);
    expect(await res.text()).toMatch(/Deprecated since Postfix [\d.]+\.<\/strong>\s*Use\s*<a href="\/parameters\/smtpd_tls_security_level\/"/);
  });

  it('filters by role and by status', async () => {
    const { mandatory_protocols: smtpdOnly } = await search(page, ['mandatory_protocols'], 10, { role: 'smtpd' });
    expect(smtpdOnly).toEqual([parameterPath('smtpd_tls_mandatory_protocols')]);
    const { smtpd_use_tls: deprecated } = await search(page, ['smtpd_use_tls'], 10, { status: 'deprecated' });
    expect(deprecated).toContain(parameterPath('smtpd_use_tls'));
    expect(deprecated).not.toContain(parameterPath('smtpd_tls_security_level'));
  });

  it('indexes the key facts as readable text, so excerpts do not run labels and values together', async () => {
    const { smtpd_tls_security_level: [hit] } = await searchHits(page, ['smtpd_tls_security_level']);
    expect(hit.filters).toEqual({ role: ['smtpd'], status: ['current'] });
    expect(hit.content).toMatch(/Read by SMTP server \(smtpd\)\. Type enum\. /);
    // The filter values are attributes, not text: "smtpdcurrent" would otherwise open the indexed content.
    expect(hit.content).not.toMatch(/smtpdcurrent|currentRead/);
  });

  it('the search box works from the keyboard alone: query, role filter, open a result', async () => {
    const ui = await browser.newPage();
    try {
      await ui.goto(`${baseUrl}/parameters/`, { waitUntil: 'networkidle' });
      await ui.locator('button[data-open-modal]:not([disabled])').waitFor();
      await ui.keyboard.press('Control+k');
      await expect.poll(() => ui.evaluate('document.activeElement && document.activeElement.className'), { timeout: 15_000, interval: 500 })
        .toContain('pagefind-ui__search-input');
      await ui.keyboard.type('mandatory_protocols');
      await ui.locator('dialog[open] .pagefind-ui__result-link').first().waitFor();
      const active = () => ui.evaluate(`(() => { const e = document.activeElement; return e ? e.tagName + ':' + (e.getAttribute('value') || e.id || e.textContent || '').trim() : ''; })()`) as Promise<string>;
      // Tab to the "Role" filter and open it, then to its "smtpd" box and tick it: all by keyboard.
      for (let i = 0; i < 10 && !/^SUMMARY:Role/.test(await active()); i++) await ui.keyboard.press('Tab');
      expect(await active()).toMatch(/^SUMMARY:Role/);
      await ui.keyboard.press('Enter');
      for (let i = 0; i < 10 && !/^INPUT:.*smtpd$/.test(await active()); i++) await ui.keyboard.press('Tab');
      expect(await active()).toMatch(/^INPUT:.*smtpd$/);
      await ui.keyboard.press('Space');
      // Pages listed (a result's sub-results point at sections of the same page).
      const hrefs = () => ui.locator('dialog[open] .pagefind-ui__result-link').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')!.split('#')[0]))]);
      await expect.poll(hrefs, { timeout: 10_000, interval: 500 }).toEqual([parameterPath('smtpd_tls_mandatory_protocols')]);
      // Tab on to the result and follow it with Enter.
      for (let i = 0; i < 20 && !/^A:/.test(await active()); i++) await ui.keyboard.press('Tab');
      await ui.keyboard.press('Enter');
      await ui.waitForURL(`**${parameterPath('smtpd_tls_mandatory_protocols')}`);
    } finally {
      await ui.close();
    }
  });
});
