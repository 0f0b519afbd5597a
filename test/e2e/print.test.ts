// Printed configuration examples: a line too long for the paper wraps, but its rest never starts in
// column 0 (where master.cf would read a new service and main.cf a new parameter); it hangs deeper than
// the line's own first character.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ruleById } from '../../src/lib/rules/index.ts';
import { launchChromium } from './browser.ts';

const baseUrl = inject('baseUrl');

/**
 * For every code line in the page's configuration blocks that wraps: where its first character starts and
 * where each wrapped part starts (px from the code box's left edge).
 */
async function wrappedLines(page: Page): Promise<{ line: string; first: number; parts: number[] }[]> {
  return page.evaluate(`(() => {
    const lines = [...document.querySelectorAll('.sl-markdown-content pre .line, .expressive-code .ec-line .code')];
    const out = [];
    for (const line of lines) {
      const text = line.textContent.replace(/\\n$/, '');
      const box = line.closest('pre').getBoundingClientRect();
      const range = document.createRange();
      range.selectNodeContents(line);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      // Rects per visual row: group by top.
      const rows = [];
      for (const r of rects) { const row = rows.find((x) => Math.abs(x.top - r.top) < 2); if (row) row.left = Math.min(row.left, r.left); else rows.push({ top: r.top, left: r.left }); }
      rows.sort((a, b) => a.top - b.top);
      if (rows.length < 2) continue;
      // The line's first non-blank character.
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      let first = null;
      for (let n = walker.nextNode(); n && !first; n = walker.nextNode()) {
        const i = n.textContent.search(/\\S/);
        if (i >= 0) { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1); first = r.getBoundingClientRect(); }
      }
      out.push({ line: text, first: Math.round(first.left - box.left), parts: rows.slice(1).map((r) => Math.round(r.left - box.left)) });
    }
    return out;
  })()`);
}

describe.runIf(baseUrl)('printed configuration examples', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  // A narrow page makes lines wrap as a long line does on paper.
  const pages = [
    ['a rule page (master.cf, -o options)', '/rules/wrappermode-port-mismatch/'],
    ['a rule page (main.cf)', '/rules/snakeoil-certificate/'],
    ['a parameter page', '/parameters/smtp_tls_chain_files/'],
    ['a recipe (Expressive Code blocks)', '/recipes/submission-587-mandatory-tls/'],
  ];
  for (const [what, path] of pages) {
    it(`${what}: wrapped lines hang under their start`, async () => {
      const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
      await page.goto(baseUrl + path);
      await page.emulateMedia({ media: 'print' });
      const lines = await wrappedLines(page);
      expect(lines.length, 'some lines wrap at this width').toBeGreaterThan(0);
      for (const l of lines) {
        for (const part of l.parts) expect(part, `"${l.line}" continues at ${part}px, its first character is at ${l.first}px`).toBeGreaterThan(l.first);
      }
      // Nothing is clipped: the blocks do not scroll on paper.
      const clipped = await page.evaluate(`[...document.querySelectorAll('.sl-markdown-content pre')].filter((p) => p.scrollWidth > p.clientWidth + 1).length`);
      expect(clipped).toBe(0);
      await page.close();
    });
  }

  it('on screen the same blocks keep their lines whole and scroll inside their box', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await page.goto(`${baseUrl}/rules/wrappermode-port-mismatch/`);
    expect(await wrappedLines(page)).toEqual([]);
    const pre = page.locator('pre.example.bad');
    await expect(pre.evaluate((p) => getComputedStyle(p).overflowX)).resolves.toBe('auto');
    // The text a reader copies is the example itself, line for line.
    await expect(pre.evaluate((p) => p.textContent)).resolves.toBe(ruleById.get('wrappermode-port-mismatch')?.example.bad);
    await page.close();
  });
});
