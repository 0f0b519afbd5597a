// Debian's Chromium driven by playwright-core; no browser downloads, no background network.
import { chromium, type Browser, type Page } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--metrics-recording-only'],
  });
}

export interface PageVisit {
  page: Page;
  consoleErrors: string[];
  /** Every URL the page requested that is not on the site's own origin. */
  foreignRequests: string[];
}

/** Opens `url`, recording console errors and every request that leaves the site's origin. */
export async function visit(browser: Browser, url: string): Promise<PageVisit> {
  const page = await browser.newPage();
  const origin = new URL(url).origin;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  // Console messages for failed loads do not name the URL; record the response instead.
  page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) consoleErrors.push(msg.text()); });
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} for ${r.url()}`); });
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin) foreignRequests.push(u);
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  return { page, consoleErrors, foreignRequests };
}
