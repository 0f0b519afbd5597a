// The configuration generator page: choices change the output, the fragment restores them, impossible combinations
// say why in place, copy and download give the text, it works offline and makes no request once loaded, and the
// migration view turns a pasted corpus main.cf into commands beside the checker's findings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { corpusDir } from '../corpus/corpus.ts';
import { axeViolations } from './axe.ts';
import { launchChromium, visit } from './browser.ts';

const baseUrl = inject('baseUrl');
const corpusMain = readFileSync(join(corpusDir, 'LukeSmithxyz__emailwiz', 'emailwiz.sh.DERIVED-tls-main.cf'), 'utf8');
const corpusTemplate = readFileSync(join(corpusDir, 'YunoHost__yunohost', 'conf__postfix__main.cf'), 'utf8');

/** Waits until the page has shown the answer to its last input. */
async function generated(page: Page): Promise<string> {
  await page.locator('#gen-summary:not([data-busy])').waitFor();
  return page.locator('#gen-summary').innerText();
}
const pane = (page: Page, id: string) => page.locator(`#out-${id}`).innerText();

async function setRoles(page: Page, roles: string[]) {
  for (const box of await page.locator('input[name=role]').all()) {
    const want = roles.includes(await box.getAttribute('value') ?? '');
    if ((await box.isChecked()) !== want) await box.setChecked(want);
  }
}

/** Records every request the page makes from now on (the favicon may be fetched lazily by the browser). */
function recordRequests(page: Page) {
  const urls: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith('blob:') && !r.url().startsWith('data:')) urls.push(r.url()); });
  return () => urls.filter((u) => !u.endsWith('/favicon.svg'));
}

describe.runIf(baseUrl)('configuration generator page', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('changes the output with the roles and the release, with a link to each parameter, and makes no request doing so', async () => {
    const { page, consoleErrors, foreignRequests } = await visit(browser, `${baseUrl}/generate/`);
    const requests = recordRequests(page);
    expect(await generated(page)).toMatch(/^Postfix 3\.11\.\d+ at compatibility_level 3\.11/);
    const main = await pane(page, 'main');
    expect(main).toContain('smtpd_tls_security_level = may');
    expect(main).toContain('smtpd_tls_mandatory_protocols = >=TLSv1.2');
    // Every setting comes with its comment line and links to its page.
    await expect(page.locator('#out-main a[href="/parameters/smtpd_tls_security_level/"]').count()).resolves.toBe(1);
    expect(main.split('\n').filter((l) => l && !l.startsWith('#')).length).toBe(main.split('\n').filter((l) => l.startsWith('#')).length);
    expect(await pane(page, 'master')).toContain('submission inet');
    expect(await pane(page, 'postconf')).toContain("postconf -M 'submission/inet=");
    await expect(page.locator('#why-list dt', { hasText: 'smtpd_tls_protocols' }).count()).resolves.toBe(1);

    // An older release: the protocol range syntax it lacks is not used.
    await page.selectOption('select[name=postfix]', '3.4');
    expect(await generated(page)).toMatch(/^Postfix 3\.4\.\d+ at compatibility_level 2/);
    expect(await pane(page, 'main')).toContain('smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1');
    await expect(page.locator('select[name=compat] option').first().innerText()).resolves.toBe("the release's own (2)");

    // Other roles: a relay client.
    await setRoles(page, ['relay']);
    await page.fill('input[name=relayhost]', '[smtp.example.net]:465');
    await page.locator('input[name=relayhost]').press('Tab');
    await expect.poll(() => pane(page, 'main')).toContain('relayhost = [smtp.example.net]:465');
    await generated(page);
    const relay = await pane(page, 'main');
    expect(relay).toContain('smtp_sasl_auth_enable = yes');
    expect(relay).not.toContain('smtpd_tls_security_level');
    expect(await pane(page, 'master')).toContain('smtps-relay unix');
    expect(requests()).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('keeps the choices in the URL fragment and restores them after a reload and from a shared link', async () => {
    const { page } = await visit(browser, `${baseUrl}/generate/`);
    await generated(page);
    await setRoles(page, ['mx', 'dane', 'mta-sts']);
    await page.selectOption('select[name=postfix]', '3.10.4');
    await page.selectOption('select[name=profile]', 'compatible');
    await page.selectOption('select[name=openssl]', '3.5');
    await page.fill('input[name=hostname]', 'mx1.example.org');
    await page.locator('input[name=hostname]').press('Tab');
    await expect.poll(() => page.url()).toContain('hostname=mx1.example.org');
    await generated(page);
    const url = page.url();
    expect(new URL(url).search).toBe('');
    expect(new URL(url).hash).toMatch(/roles=mx%2Cdane%2Cmta-sts/);
    const before = await pane(page, 'main');
    expect(before).toContain('myhostname = mx1.example.org');
    expect(await page.locator('#why-list').innerText()).toMatch(/does not have it \(3\.10\.5 and later\)/);

    await page.reload({ waitUntil: 'networkidle' });
    await generated(page);
    await expect(page.locator('select[name=postfix]').inputValue()).resolves.toBe('3.10.4');
    await expect(page.locator('#role-dane').isChecked()).resolves.toBe(true);
    await expect(page.locator('#role-submission').isChecked()).resolves.toBe(false);
    expect(await pane(page, 'main')).toBe(before);
    await page.close();

    const { page: other } = await visit(browser, url);
    await generated(other);
    await expect(other.locator('select[name=openssl]').inputValue()).resolves.toBe('3.5');
    await expect(other.locator('input[name=hostname]').inputValue()).resolves.toBe('mx1.example.org');
    expect(await pane(other, 'main')).toBe(before);
    await other.close();
  });

  it('says in place why a combination cannot work, and shows no output for it', async () => {
    const { page } = await visit(browser, `${baseUrl}/generate/`);
    await generated(page);
    await expect(page.locator('#refusal').getAttribute('aria-live')).resolves.toBe('polite');
    await setRoles(page, ['mx', 'send-only']);
    await expect.poll(() => page.locator('#refusal').innerText()).toMatch(/send-only listens on the loopback interface only/);
    expect(await generated(page)).toMatch(/No output/);
    expect((await pane(page, 'main')).trim()).toBe('');
    await setRoles(page, ['mta-sts']);
    await page.selectOption('select[name=profile]', 'strict');
    await page.selectOption('select[name=postfix]', '3.9');
    await expect.poll(() => page.locator('#refusal').innerText()).toMatch(/only from 3\.10\.5/);
    // Fixed: the reason goes away and the output comes back.
    await page.selectOption('select[name=postfix]', '3.11');
    await expect.poll(() => page.locator('#refusal').innerText()).toBe('');
    expect(await pane(page, 'main')).toContain('smtp_tls_policy_maps');
    await page.close();
  });

  it('copies each pane to the clipboard and downloads the files', async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'], acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/generate/`, { waitUntil: 'networkidle' });
    await generated(page);
    const main = await pane(page, 'main');
    await page.click('button[data-copy=main]');
    await expect.poll(() => page.locator('#status-main').innerText()).toBe('Copied.');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(`${main.trimEnd()}\n`);

    // The commands pane copies the commands as they are; its download is the same as a script.
    await page.click('button[data-copy=postconf]');
    await expect.poll(() => page.locator('#status-postconf').innerText()).toBe('Copied.');
    const commands = await page.evaluate('navigator.clipboard.readText()') as string;
    expect(commands).toMatch(/^# .*\npostconf -e '/);
    expect(commands.split('\n').filter((l) => l.startsWith('postconf ')).length).toBe((await pane(page, 'postconf')).split('\n').filter((l) => l.startsWith('postconf ')).length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-download=postconf]')]);
    expect(download.suggestedFilename()).toBe('postconf-tls.sh');
    const script = readFileSync((await download.path())!, 'utf8');
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain("postconf -e 'smtpd_tls_security_level = may'");
    expect(script).toMatch(/postfix check\n$/);
    expect(script).toContain(commands);
    const [masterFile] = await Promise.all([page.waitForEvent('download'), page.click('button[data-download=master]')]);
    expect(masterFile.suggestedFilename()).toBe('master.cf.tls');
    expect(readFileSync((await masterFile.path())!, 'utf8')).toMatch(/^# port 587.*\nsubmission inet/);
    await context.close();
  });

  it('keeps working offline once loaded', async () => {
    const { page } = await visit(browser, `${baseUrl}/generate/`);
    await generated(page);
    await page.context().setOffline(true);
    try {
      await setRoles(page, ['send-only']);
      await expect.poll(() => pane(page, 'main')).toContain('inet_interfaces = loopback-only');
      await page.fill('#mig-main', corpusMain);
      await expect.poll(() => page.locator('#out-migration').innerText()).toContain('postconf -');
    } finally {
      await page.context().setOffline(false);
      await page.close();
    }
  });

  it('turns a pasted corpus main.cf into postconf commands beside the checker\'s findings, and asks for a rendered file instead of a template', async () => {
    const { page, consoleErrors, foreignRequests } = await visit(browser, `${baseUrl}/generate/`);
    const requests = recordRequests(page);
    await generated(page);
    await page.fill('#mig-main', corpusMain);
    await page.click('#migration button[type=submit]');
    await expect.poll(() => page.locator('#mig-summary').innerText()).toMatch(/^\d+ commands for Postfix 3\.11/);
    const commands = await page.locator('#out-migration').innerText();
    expect(commands).toContain('postconf -X smtpd_tls_protocols');
    expect(commands).toContain('postconf -X smtpd_tls_cert_file');
    expect(commands).toMatch(/postconf -e 'smtpd_tls_chain_files = /);
    expect(commands).toContain("postconf -M 'submission/inet=");
    await expect(page.locator('#out-migration a[href="/parameters/smtpd_tls_protocols/"]').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#mig-findings .finding').count()).resolves.toBeGreaterThan(0);
    expect(await page.locator('#mig-findings-summary').innerText()).toMatch(/^\d+ findings?:/);
    expect(await axeViolations(page)).toEqual([]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-download=migration]')]);
    expect(download.suggestedFilename()).toBe('postconf-migrate.sh');
    const script = readFileSync((await download.path())!, 'utf8');
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain('postconf -X smtpd_tls_protocols\n');

    await page.fill('#mig-main', corpusTemplate);
    await expect.poll(() => page.locator('#mig-refusal').innerText()).toMatch(/is a template, not a configuration: line \d+/);
    expect((await page.locator('#out-migration').innerText()).trim()).toBe('');
    expect(requests()).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('can be used from the keyboard, with a visible focus ring', async () => {
    const { page } = await visit(browser, `${baseUrl}/generate/`);
    await generated(page);
    await page.focus('#role-mx');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('role-submission');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');
    await page.keyboard.press('Space');
    await expect.poll(() => pane(page, 'master')).not.toContain('submission inet');
    expect(await page.evaluate('location.hash')).toContain('roles=mx');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
