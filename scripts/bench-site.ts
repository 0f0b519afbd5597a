/**
 * npm run bench (second part): what the site costs a reader, each figure beside a baseline measured in the
 * same run.
 *   weight    per template: HTML + CSS + JS as transferred (gzip -9), and the JS alone; baseline: Postfix's
 *             own postconf(5) manual page (postfix-doc's postconf.5.html), gzipped the same way
 *   search    Pagefind bytes fetched for one query, time from the last keystroke to the first result in the
 *             real search box, and the bare Pagefind API time for the same query
 *   checker   time from "Check" to rendered findings for a 1 000-line main.cf in the page, beside the same
 *             check run by the engine in Node
 *   build     full `astro build` wall time, beside `astro --version` (the fixed start-up cost)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { check } from '../src/lib/check.ts';
import { factsDataFromContent, factsFromData } from '../src/lib/facts.ts';
import { templates } from '../test/e2e/templates.ts';
import { serveStatic } from '../test/support/static-server.ts';
import { loadContentDir } from './lib/content-files.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manual = '/usr/share/doc/postfix/html/postconf.5.html';
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const gz = (buf: Buffer | string) => gzipSync(buf, { level: 9 }).length;

function timed(cmd: string, args: string[], env: Record<string, string> = {}) {
  const start = performance.now();
  const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env } });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stderr.slice(-2000)}`);
  return performance.now() - start;
}

/** A 1 000-line main.cf in the style of a busy production file. */
function thousandLineMainCf(): string {
  const lines = ['compatibility_level = 3.6', 'smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem', 'smtpd_tls_security_level = may'];
  for (let i = 0; lines.length < 1000; i++) {
    lines.push(`# setting group ${i}`, `custom_map_${i} = hash:/etc/postfix/map_${i}`, `smtpd_tls_loglevel = ${i % 3}`);
  }
  return lines.slice(0, 1000).join('\n') + '\n';
}

mkdirSync(join(root, '.test-builds'), { recursive: true });
const dist = mkdtempSync(join(root, '.test-builds', 'bench-'));
try {
  const node = process.execPath;
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  const startup = timed(node, [astro, '--version']);
  const build = timed(node, [astro, 'build', '--outDir', dist], { ASTRO_CACHE_DIR: `${dist}-cache` });

  const { url, server } = await serveStatic(dist);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  try {
    // Weight per template, from what the browser actually requests on load.
    const baseline = existsSync(manual) ? gz(readFileSync(manual)) : NaN;
    console.log(`Site weight per template (gzip -9 of every HTML/CSS/JS response; baseline: postconf.5.html = ${kb(baseline)})\n`);
    console.log(`${'template'.padEnd(22)} ${'total'.padStart(9)} ${'JS'.padStart(9)} ${'vs manual'.padStart(10)}`);
    for (const [name, path] of Object.entries(templates)) {
      const page = await browser.newPage();
      const bodies: Promise<{ type: string; size: number }>[] = [];
      page.on('response', (r) => {
        const type = r.request().resourceType();
        if (['document', 'stylesheet', 'script'].includes(type)) bodies.push(r.body().then((b) => ({ type, size: gz(b) }), () => ({ type, size: 0 })));
      });
      await page.goto(url + path, { waitUntil: 'networkidle' });
      const all = await Promise.all(bodies);
      const total = all.reduce((n, b) => n + b.size, 0);
      const js = all.filter((b) => b.type === 'script').reduce((n, b) => n + b.size, 0);
      console.log(`${name.padEnd(22)} ${kb(total).padStart(9)} ${kb(js).padStart(9)} ${`${((total / baseline) * 100).toFixed(1)}%`.padStart(10)}`);
      await page.close();
    }

    // Search: bytes and time for one query typed into the real search box.
    const page = await browser.newPage();
    await page.goto(url + '/', { waitUntil: 'networkidle' });
    await page.locator('button[data-open-modal]:not([disabled])').waitFor();
    // Everything search costs, from opening the dialog to the first query's results: the UI's script and
    // stylesheet, Pagefind's wasm, metadata, filters, index chunks and result fragments (gzip -9, as for weight).
    let searchBytes = 0;
    page.on('response', (r) => { if (/\/pagefind\/|\/ui-core\.|\/pagefind-ui\./.test(r.url())) void r.body().then((b) => { searchBytes += gz(b); }, () => {}); });
    await page.keyboard.press('Control+k');
    await page.locator('.pagefind-ui__search-input').waitFor();
    await page.waitForTimeout(500);
    // Time from the last keystroke of a query to its first result, in the real search box. First: the first
    // query after opening the dialog, which may still wait on index chunks. Later: once they are loaded.
    const timeQuery = async (query: string) => {
      await page.fill('.pagefind-ui__search-input', '');
      await page.keyboard.type(query.slice(0, -1));
      await page.evaluate(`window.__t0 = 0; window.__t1 = 0; window.__q = ${JSON.stringify(query)}; new MutationObserver((m, o) => { const el = document.querySelector('.pagefind-ui__message'); if (window.__t0 && el && el.textContent.includes(window.__q) && document.querySelector('.pagefind-ui__result')) { window.__t1 = performance.now(); o.disconnect(); } }).observe(document.body, { childList: true, subtree: true, characterData: true })`);
      await page.evaluate(`window.__t0 = performance.now()`);
      await page.keyboard.type(query.slice(-1));
      // Polled from outside: the page's CSP forbids the eval that waitForFunction needs.
      for (let i = 0; i < 200 && !Number(await page.evaluate('window.__t1')); i++) await page.waitForTimeout(50);
      return Number(await page.evaluate(`window.__t1 - window.__t0`));
    };
    const query = 'smtpd_tls_security_level';
    const coldMs = await timeQuery(query);
    await page.waitForTimeout(300);
    const firstQueryBytes = searchBytes;
    const warm: number[] = [];
    for (const q of ['smtp_tls_policy_maps', 'tls_high_cipherlist', 'smtpd_tls_auth_only']) warm.push(await timeQuery(q));
    warm.sort((a, b) => a - b);
    const apiMs = Number(await page.evaluate(`(async () => { const pf = await import('/pagefind/pagefind.js'); await pf.init(); await pf.search('warmup'); const t = performance.now(); const r = await pf.search('${query}'); await r.results[0].data(); return performance.now() - t; })()`));
    console.log(`\nSearch box, last keystroke -> first result: first query ${coldMs.toFixed(0)} ms (search fetched ${kb(firstQueryBytes)} by then, UI included), later queries median ${warm[1].toFixed(0)} ms; Pagefind API alone ${apiMs.toFixed(1)} ms (baseline: the UI's input pause, 40 ms)`);
    await page.close();

    // Checker: 1 000 lines in the page vs the engine in Node.
    const main = thousandLineMainCf();
    const { content } = await loadContentDir(root);
    const facts = factsFromData(factsDataFromContent(content));
    const t = performance.now();
    for (let i = 0; i < 5; i++) check({ files: [{ name: 'main.cf', kind: 'main', text: main }], facts });
    const nodeMs = (performance.now() - t) / 5;
    const checker = await browser.newPage();
    await checker.goto(url + '/check/', { waitUntil: 'networkidle' });
    await checker.fill('#input-main', main);
    await checker.locator('#summary').filter({ hasText: 'finding' }).or(checker.locator('#summary').filter({ hasText: 'No findings' })).waitFor();
    await checker.evaluate(`document.querySelector('#summary').textContent = ''`);
    const pageMs = Number(await checker.evaluate(`new Promise((done) => { const t = performance.now(); new MutationObserver((m, o) => { if (document.querySelector('#summary').textContent) { o.disconnect(); done(performance.now() - t); } }).observe(document.querySelector('#summary'), { childList: true, characterData: true, subtree: true }); document.querySelector('#checker button[type=submit]').click(); })`));
    console.log(`Checker, 1 000-line main.cf: ${pageMs.toFixed(0)} ms in the page (parse, check, render) vs ${nodeMs.toFixed(0)} ms for the engine in Node (${(pageMs / nodeMs).toFixed(1)}x)`);
    await checker.close();
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`Build: astro build ${(build / 1000).toFixed(1)} s vs astro --version ${(startup / 1000).toFixed(1)} s (start-up alone)`);
} finally {
  rmSync(dist, { recursive: true, force: true });
  rmSync(`${dist}-cache`, { recursive: true, force: true });
}
