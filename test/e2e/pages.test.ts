import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, visit } from './browser.ts';

const baseUrl = inject('baseUrl');

describe.runIf(baseUrl)('built site in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  const pages = [
    { path: '/', heading: 'Postfix TLS, done right' },
    { path: '/parameters/', heading: 'TLS parameters' },
    { path: '/parameters/smtpd_tls_security_level/', heading: 'smtpd_tls_security_level' },
    { path: '/recipes/inbound-opportunistic-starttls/', heading: 'Offer STARTTLS to senders on port 25' },
  ];

  for (const { path, heading } of pages) {
    it(`${path} renders its heading, with no console errors and no foreign requests`, async () => {
      const { page, consoleErrors, foreignRequests } = await visit(browser, baseUrl + path);
      await expect(page.locator('h1').first().textContent()).resolves.toBe(heading);
      expect(consoleErrors).toEqual([]);
      expect(foreignRequests).toEqual([]);
      await page.close();
    });
  }

  it('a parameter page shows role, type, default, since and the section anchors', async () => {
    const { page } = await visit(browser, `${baseUrl}/parameters/smtpd_tls_security_level/`);
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toMatch(/Read by\s+SMTP server/);
    expect(facts).toMatch(/Type\s+enum/);
    expect(facts).toMatch(/Since\s+Postfix 2\.3/);
    for (const id of ['default', 'versions', 'values', 'pitfalls', 'example']) {
      await expect(page.locator(`#${id}`).count()).resolves.toBe(1);
    }
    await page.close();
  });

  it('an unknown URL answers with the 404 page', async () => {
    const { page, consoleErrors } = await visit(browser, `${baseUrl}/parameters/no_such_parameter/`);
    expect(consoleErrors.join()).toMatch(/HTTP 404/);
    await page.close();
  });
});
