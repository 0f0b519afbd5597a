import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, visit } from './browser.ts';

const baseUrl = inject('baseUrl');

describe.runIf(baseUrl)('reference pages', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('the parameter index filters by role and by release', async () => {
    const { page } = await visit(browser, `${baseUrl}/parameters/`);
    const visible = () => page.locator('.param-row:visible').count();
    const total = await visible();
    expect(total).toBeGreaterThan(0);

    await page.selectOption('select[name=role]', 'smtpd');
    const roles = await page.locator('.param-row:visible').evaluateAll((rows) => [...new Set(rows.map((r) => (r as HTMLElement).dataset.role))]);
    expect(roles).toEqual(['smtpd']);

    await page.selectOption('select[name=version]', { label: '2.2' });
    const since = await page.locator('.param-row:visible').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.since));
    expect(since.every((v) => v === '2.2')).toBe(true);
    expect(await page.locator('output[name=count]').textContent()).toMatch(new RegExp(`^${since.length} of ${total} shown$`));

    await page.selectOption('select[name=role]', '');
    await page.selectOption('select[name=version]', '');
    expect(await visible()).toBe(total);
    await page.close();
  });

  it('a parameter page names the patch releases that changed a default, back-ports included', async () => {
    const { page } = await visit(browser, `${baseUrl}/parameters/tlsproxy_client_security_level/`);
    const rows = await page.locator('#default ~ table').first().locator('tbody tr').allInnerTexts();
    expect(rows[0]).toMatch(/^3\.7 – 3\.10\.3\s+except 3\.7\.16 and later patch releases of 3\.7; 3\.8\.11 and later patch releases of 3\.8; 3\.9\.5 and later patch releases of 3\.9\s+\$\{tlsproxy_client_level:\$smtp_tls_security_level\}/);
    expect(rows[1]).toMatch(/^3\.10\.4 and later\s+also 3\.7\.16 and later patch releases of 3\.7; 3\.8\.11 and later patch releases of 3\.8; 3\.9\.5 and later patch releases of 3\.9\s+\$\{tlsproxy_client_level\?/);
    await page.close();
  });

  it('a protocol page shows the list, exclusion and range forms computed from the protocol order', async () => {
    const { page } = await visit(browser, `${baseUrl}/protocols/TLSv1.2/`);
    const row = await page.locator('#syntax ~ table tbody tr').first().innerText();
    expect(row.split('\t').map((c) => c.trim())).toEqual(['TLSv1.2 and newer', 'TLSv1.2, TLSv1.3', '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1', '>=TLSv1.2']);
    await page.close();
  });

  it('each section heading of a parameter page has a copy-link button that copies its permalink', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/parameters/smtpd_tls_security_level/`);
    const ids = await page.locator('.sl-markdown-content h2[id]').evaluateAll((hs) => hs.map((h) => h.id));
    expect(ids).toEqual(expect.arrayContaining(['default', 'versions', 'values', 'pitfalls', 'example']));
    await expect(page.locator('button[data-copy-link]').count()).resolves.toBeGreaterThanOrEqual(ids.length);
    await page.click('button[data-copy-link="pitfalls"]');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`${baseUrl}/parameters/smtpd_tls_security_level/#pitfalls`);
    await context.close();
  });
});
