// Every built page fits its column on a phone (390×844), on a desktop (1280×800) and at 200 % zoom: the
// document never scrolls sideways and nothing sticks out of the content column (code scrolls inside its
// box, long tokens wrap, tables scroll inside themselves). One browser, a few tabs in parallel, each page
// loaded once and measured at the three sizes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations } from './axe.ts';
import { launchChromium } from './browser.ts';
import { builtPages, overflowProbe, viewports } from './overflow.ts';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');
/** Pages measured at once: the machine has two cores, and Chromium's own processes need one. */
const TABS = 3;

describe.runIf(baseUrl)('no horizontal overflow on any page', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('holds for every built page at 390 px, 1280 px and 200 % zoom', async () => {
    const pages = builtPages(distDir);
    // Every page of the site, not a sample: the published pages (without the redirect-only /p/ and
    // spelling pages, which have nothing to lay out) and the 404 page.
    expect(pages.length).toBeGreaterThan(300);
    expect(pages).toContain('/404.html');
    const queue = [...pages];
    const overflowing: string[] = [];
    let measured = 0;
    await Promise.all(Array.from({ length: TABS }, async () => {
      const context = await browser.newContext({ viewport: viewports[0] });
      const page = await context.newPage();
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        await page.setViewportSize(viewports[0]);
        await page.goto(baseUrl + path, { waitUntil: 'load' });
        for (const size of viewports) {
          await page.setViewportSize(size);
          const problems = await page.evaluate(overflowProbe) as string[];
          if (problems.length > 0) overflowing.push(`${path} at ${size.name}: ${problems.join(' | ')}`);
          measured++;
        }
      }
      await context.close();
    }));
    expect(measured).toBe(pages.length * viewports.length);
    expect(overflowing).toEqual([]);
  }, 600_000);

  it('a block that scrolls inside its box on a phone can be reached and scrolled from the keyboard', async () => {
    const context = await browser.newContext({ viewport: viewports[0] });
    const page = await context.newPage();
    const blocks = `[...document.querySelectorAll('.sl-markdown-content :is(pre, table):not(.expressive-code *)')].filter((el) => el.scrollWidth > el.clientWidth + 1)`;
    for (const path of ['/parameters/smtp_tls_chain_files/', '/rules/snakeoil-certificate/']) {
      await page.goto(baseUrl + path);
      // The example is wider than a phone: it scrolls inside its box, and it is in the tab order.
      expect(await page.evaluate(`${blocks}.length`), path).toBeGreaterThan(0);
      await expect.poll(() => page.evaluate(`${blocks}.every((el) => el.getAttribute('tabindex') === '0')`), { message: path }).toBe(true);
      expect(await axeViolations(page), path).toEqual([]);
    }
    await context.close();
  });
});
