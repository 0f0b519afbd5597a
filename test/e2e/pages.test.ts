import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations } from './axe.ts';
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
    await expect(page.locator('h1').first().textContent()).resolves.toBe('Page not found');
    await expect(page.locator('#suggestion').isHidden()).resolves.toBe(true);
    await page.close();
  });

  it('the 404 page offers the nearest parameter, rule, recipe or section for a mistyped address', async () => {
    const cases: [string, string, string][] = [
      ['/parameters/smtpd_tls_securty_level/', '/parameters/smtpd_tls_security_level/', 'Did you mean the parameter smtpd_tls_security_level?'],
      ['/parameters/smtp_tls_CAfiel/#pitfalls', '/parameters/smtp_tls_cafile/#pitfalls', 'Did you mean the parameter smtp_tls_CAfile?'],
      ['/p/smtpd_tls_auth_olny/', '/parameters/smtpd_tls_auth_only/', 'Did you mean the parameter smtpd_tls_auth_only?'],
      ['/rules/tls-requred-on-mx/', '/rules/tls-required-on-mx/', 'Did you mean the checker rule tls-required-on-mx?'],
      ['/recipes/outbound-dane-tls/', '/recipes/outbound-dane/', 'Did you mean the recipe outbound-dane?'],
      ['/security-levels/verfy/', '/security-levels/verify/', 'Did you mean the security level verify?'],
      ['/paramters/', '/parameters/', 'Did you mean the page parameters?'],
      ['/smtpd_tls_securty_level', '/parameters/smtpd_tls_security_level/', 'Did you mean the parameter smtpd_tls_security_level?'],
    ];
    const page = await browser.newPage();
    for (const [path, href, text] of cases) {
      const res = await page.goto(baseUrl + path);
      expect(res?.status(), path).toBe(404);
      const suggestion = page.locator('#suggestion');
      await expect(suggestion.textContent(), path).resolves.toBe(text);
      await expect(suggestion.locator('a').getAttribute('href'), path).resolves.toBe(href);
    }
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('the home page names the checker rules with a space between the words', async () => {
    const { page } = await visit(browser, `${baseUrl}/`);
    const text = await page.locator('main').innerText();
    expect(text).toContain('and the checker rules');
    expect(text).not.toContain('thechecker');
    await page.close();
  });
});
