// After the build: no broken internal links, and every published URL still resolves.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { findBrokenLinks, resolveTarget } from '../../scripts/lib/link-check.ts';
import { launchChromium } from './browser.ts';

const baseUrl = inject('baseUrl');
const dist = inject('distDir');

describe.runIf(baseUrl)('links in the built site', () => {
  it('has no broken internal links or anchors', () => {
    const { pages, links, broken } = findBrokenLinks(dist);
    expect(pages).toBeGreaterThan(10);
    expect(links).toBeGreaterThan(100);
    expect(broken).toEqual([]);
  });

  it('still serves every URL in the frozen list of published URLs', async () => {
    const urls = readFileSync(resolve(import.meta.dirname, 'published-urls.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(urls.length).toBeGreaterThan(0);
    const missing = urls.filter((u) => !resolveTarget(dist, u));
    expect(missing).toEqual([]);
    const sample = await fetch(baseUrl + urls[0]);
    expect(sample.status).toBe(200);
  });

  it('a short /p/<name> link forwards to the parameter page', async () => {
    const html = await (await fetch(`${baseUrl}/p/smtpd_tls_security_level/`)).text();
    expect(html).toContain('<meta http-equiv="refresh" content="0; url=/parameters/smtpd_tls_security_level/">');
  });

  it('the name as Postfix spells it works too, in short and long links, and keeps the anchor', async () => {
    for (const path of ['/p/smtp_tls_CAfile/', '/p/smtp_tls_cafile/', '/parameters/smtp_tls_CAfile/']) {
      const res = await fetch(baseUrl + path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('<meta http-equiv="refresh" content="0; url=/parameters/smtp_tls_cafile/">');
    }
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${baseUrl}/p/smtp_tls_CAfile/#pitfalls`);
      await page.waitForURL(/\/parameters\/smtp_tls_cafile\/#pitfalls$/);
      await expect(page.locator('h1').textContent()).resolves.toBe('smtp_tls_CAfile');
    } finally {
      await browser.close();
    }
  });
});
