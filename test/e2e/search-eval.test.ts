// The search box against questions admins really asked (test/e2e/search-eval.yaml): each query is typed into the
// real search box in Chromium, and a needed page must be among the first three results for at least 90 % of
// them. Misses are printed, with what came first instead. Also: the five queries from issue #16, the "Explain
// this line" offer for a pasted log line, and "did you mean" for a misspelt parameter name.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { logFromFragment } from '../../src/lib/explain/fragment.ts';
import { searchRanking } from '../../src/search-ranking.ts';
import { parameterPath } from '../../src/lib/urls.ts';
import { launchChromium } from './browser.ts';
import { openSearch, queryResults } from './search-box.ts';

const baseUrl = inject('baseUrl');
type Question = { query: string; source: string; needs: string[] };
const questions = parse(readFileSync(new URL('./search-eval.yaml', import.meta.url), 'utf8')) as Question[];

/** Pagefind's own all-words search, as the search box answered before it relaxed queries: top three pages. */
async function plainTop3(page: Page, queries: string[]): Promise<Record<string, string[]>> {
  return page.evaluate(`(async ({ queries, ranking }) => {
    const pagefind = await import('/pagefind/pagefind.js');
    await pagefind.options({ ranking });
    await pagefind.init();
    const out = {};
    for (const q of queries) {
      const { results } = await pagefind.search(q);
      out[q] = await Promise.all(results.slice(0, 3).map(async (r) => (await r.data()).url));
    }
    return out;
  })(${JSON.stringify({ queries, ranking: searchRanking })})`);
}

describe.runIf(baseUrl)('search answers real questions', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle' });
    await openSearch(page);
  });
  afterAll(async () => { await browser?.close(); });

  it('the evaluation set has at least 60 sourced questions, each needing real pages', async () => {
    expect(questions.length).toBeGreaterThanOrEqual(60);
    const pages = new Set(questions.flatMap((q) => q.needs));
    const missing: string[] = [];
    for (const p of pages) if ((await fetch(baseUrl + p)).status !== 200) missing.push(p);
    expect(missing).toEqual([]);
    expect(questions.filter((q) => !q.source || q.needs.length === 0).map((q) => q.query)).toEqual([]);
  });

  it('puts a page that answers among the first three results for at least 90 % of the questions', async () => {
    const misses: string[] = [];
    for (const q of questions) {
      const { urls } = await queryResults(page, q.query);
      if (!urls.slice(0, 3).some((u) => q.needs.includes(u))) misses.push(`  "${q.query}"\n      wanted ${q.needs.join(' or ')}; got ${urls.slice(0, 3).join(', ') || 'nothing'}`);
    }
    const plain = await plainTop3(page, questions.map((q) => q.query));
    const plainHits = questions.filter((q) => (plain[q.query] ?? []).some((u) => q.needs.includes(u))).length;
    const hits = questions.length - misses.length;
    console.log(`search evaluation: ${hits}/${questions.length} (${Math.round((100 * hits) / questions.length)} %) with a needed page in the top three; `
      + `Pagefind's all-words search alone: ${plainHits}/${questions.length}${misses.length ? `\nmisses:\n${misses.join('\n')}` : ''}`);
    expect(hits / questions.length).toBeGreaterThanOrEqual(0.9);
  });

  it('answers the five queries of issue #16 with a page that answers them, first', async () => {
    const cases: [string, string[]][] = [
      ['postfix letsencrypt unable to verify the first certificate fullchain', ['/recipes/acme-certificate/']],
      ['postfix 454 4.7.0 Failed to establish appropriate TLS channel Access Denied', ['/recipes/outbound-opportunistic-tls/']],
      ['SMTPS wrappermode (TCP port 465) requires setting smtp_tls_wrappermode', ['/recipes/relayhost-tls-sasl/', '/parameters/smtp_tls_wrappermode/']],
      ['postfix gmail red lock outgoing mail not encrypted', ['/recipes/outbound-opportunistic-tls/', '/recipes/send-only-server/']],
      ['postfix relayhost office365 587 TLS settings', ['/recipes/relayhost-tls-sasl/']],
    ];
    const wrong: string[] = [];
    for (const [query, answers] of cases) {
      const { urls } = await queryResults(page, query);
      if (!answers.includes(urls[0] ?? '')) wrong.push(`${query} -> ${urls.slice(0, 3).join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('says so when no page has all the words, and still lists the pages with most of them', async () => {
    const { urls, note } = await queryResults(page, 'smtpd_tls_chain_files certbot zzyzxqq');
    expect(note).toBe('No page has all of these words; pages with most of them:');
    expect(urls.slice(0, 3)).toContain('/recipes/acme-certificate/');
    // A query every word of which some page has shows no note.
    expect((await queryResults(page, 'smtpd_tls_chain_files')).note).toBe('');
  });

  it('offers "Explain this line" first for a pasted log line, opening the explainer with the line filled in', async () => {
    const line = 'Nov 23 18:41:03 mx postfix/smtpd[31375]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2220:';
    const { urls } = await queryResults(page, line);
    expect(urls[0]).toBe('/explain/');
    expect(urls.slice(1)).toContain('/explain/');
    const first = page.locator('dialog[open] .pagefind-ui__result-link').first();
    expect(await first.textContent()).toBe('Explain this line');
    const href = (await first.getAttribute('href'))!;
    expect(logFromFragment(new URL(href, baseUrl).hash)).toBe(line);
    // An ordinary question gets no such offer.
    await queryResults(page, 'no shared cipher');
    expect(await page.locator('dialog[open] .pagefind-ui__result-link').first().textContent()).not.toBe('Explain this line');
  });

  it('offers the real name first for a near miss of a parameter name', async () => {
    for (const [typo, name] of [['smtpd_tls_security_levle', 'smtpd_tls_security_level'], ['smtp_tls_CAfiel', 'smtp_tls_CAfile'], ['smtpd_tls_auth_olny', 'smtpd_tls_auth_only']]) {
      const { urls } = await queryResults(page, typo!);
      expect(urls[0]).toBe(parameterPath(name!));
      expect(await page.locator('dialog[open] .pagefind-ui__result-link').first().textContent()).toBe(`Did you mean ${name}?`);
    }
    // An exact name gets no "did you mean".
    await queryResults(page, 'smtpd_tls_security_level');
    expect(await page.locator('dialog[open] .pagefind-ui__result-link').first().textContent()).not.toMatch(/^Did you mean/);
  });
});
