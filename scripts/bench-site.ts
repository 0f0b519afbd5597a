/**
 * npm run bench (second part): what the site costs a reader, each figure beside a baseline measured in the
 * same run.
 *   weight    per template: HTML + CSS + JS as transferred (gzip -9), and the JS alone; baseline: Postfix's
 *             own postconf(5) manual page (postfix-doc's postconf.5.html), gzipped the same way
 *   search    Pagefind bytes fetched for one query, time from the last keystroke to the first result in the
 *             real search box (for a parameter name, and for whole questions and pasted log lines, which take the
 *             relaxed path), the bare Pagefind API time for the same query, and both against their budgets
 *             (150 KB for the first query, 100 ms once the index is loaded)
 *   checker   time from "Check" to rendered findings for a 1 000-line main.cf in the page, beside the same
 *             check run by the engine in Node; then, for 1 000, 20 000 and 100 000 lines of a main.cf and of a
 *             mail log pasted into the main.cf box (a common slip): time from the paste to the answer, and the
 *             longest main-thread block (Chromium long tasks and long animation frames, so the rendering a
 *             paste or keystroke causes counts too) during the paste and while typing into the box
 *   explainer the same for the log explainer (time to the answer, longest block while pasting and typing)
 *   build     full `astro build` wall time, beside `astro --version` (the fixed start-up cost)
 *
 * BENCH_ONLY=checker (or weight, search) runs one part only; BENCH_DIST=dir measures an existing build instead of
 * building one; BENCH_TIMEOUT_MS caps the wait for one answer (default 120 s). POSTFIX_TLS_CONTENT builds from another content/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { check } from '../src/lib/check.ts';
import { factsDataFromContent, factsFromData } from '../src/lib/facts.ts';
import { templates } from '../test/e2e/templates.ts';
import { serveStatic } from '../test/support/static-server.ts';
import { loadContentDir } from '../src/lib/content-lint/content-dir.ts';

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

/** TLS parameter names with a typo each: the misspellings main.cf files really have. */
const typos = ['smtpd_tls_securty_level', 'smtp_tls_securty_level', 'smtpd_tls_cert_flie', 'smtpd_tls_key_flie', 'smtp_tls_CAfiel',
  'smtpd_tls_mandatory_protocol', 'smtp_tls_mandatory_protocol', 'smtpd_tls_auth_olny', 'smtpd_tls_loglvel', 'smtp_tls_loglvel',
  'smtpd_tls_chain_file', 'smtp_tls_policy_map', 'smtpd_tls_ciphers_', 'smtpd_tls_exclude_cipher', 'smtp_tls_session_cache_databse',
  'smtpd_tls_session_cache_timout', 'smtpd_tls_recieved_header', 'smtpd_tls_ask_ccert_', 'smtp_tls_note_starttls_ofer', 'tls_high_cipherlst'];

/** A main.cf of `lines` lines: distinct settings, continuations, comments, and a misspelt TLS parameter
 * every 350 lines or so (the same typo recurs every 20th time). */
function mainCfOf(lines: number): string {
  const out = ['compatibility_level = 3.6', 'smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem', 'smtpd_tls_security_level = may'];
  for (let i = 0; out.length < lines; i++) {
    switch (i % 5) {
      case 0: out.push(`# section ${i}`, `header_map_${i} = pcre:/etc/postfix/header_checks_${i}.pcre`); break;
      case 1: out.push(`restriction_class_${i} = check_client_access hash:/etc/postfix/access_${i},`, '    permit_mynetworks, reject_unauth_destination'); break;
      case 2: out.push(`transport_${i}_destination_concurrency_limit = ${i % 20 + 1}`); break;
      case 3: out.push(`custom_map_${i} = hash:/etc/postfix/map_${i}`); break;
      default: out.push(i % 250 === 4 ? `${typos[Math.floor(i / 250) % typos.length]} = may` : `smtpd_restriction_note_${i} = $restriction_class_${i - 3}`); break;
    }
  }
  return `${out.slice(0, lines).join('\n')}\n`;
}

/** A Postfix mail log of `lines` lines, TLS and other events mixed, as `grep postfix /var/log/mail.log` prints it. */
function mailLogOf(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const ip = `192.0.2.${i % 250}`;
    const msg = [
      `connect from unknown[${ip}]`,
      `Anonymous TLS connection established from unknown[${ip}]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256`,
      `SSL_accept error from unknown[${ip}]: lost connection`,
      `disconnect from unknown[${ip}] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7`,
    ][i % 4];
    out.push(`Nov 23 18:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} mx postfix/smtpd[${20904 + (i % 500)}]: ${msg}`);
  }
  return `${out.join('\n')}\n`;
}

/** A 1 000-line main.cf in the style of a busy production file. */
function thousandLineMainCf(): string {
  const lines = ['compatibility_level = 3.6', 'smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem', 'smtpd_tls_security_level = may'];
  for (let i = 0; lines.length < 1000; i++) {
    lines.push(`# setting group ${i}`, `custom_map_${i} = hash:/etc/postfix/map_${i}`, `smtpd_tls_loglevel = ${i % 3}`);
  }
  return lines.slice(0, 1000).join('\n') + '\n';
}

/** In the page: main-thread blocks over 50 ms from now on, and when #summary or #explain-summary answers. */
const probe = `(() => {
  window.__lt = [];
  // Long tasks, and long animation frames, which also count the rendering a task causes (laying out a
  // textarea that holds megabytes of text is rendering work, not script).
  const record = (list) => { for (const e of list.getEntries()) window.__lt.push([e.startTime, e.duration]); };
  new PerformanceObserver(record).observe({ type: 'longtask' });
  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) new PerformanceObserver(record).observe({ type: 'long-animation-frame' });
  const s = document.querySelector('#summary, #explain-summary');
  window.__answered = 0;
  // Answered: the summary has text and the page is not still working on it (data-busy, where the page has it).
  new MutationObserver(() => { if (s.textContent && !s.hasAttribute('data-busy') && !window.__answered) window.__answered = performance.now(); })
    .observe(s, { childList: true, characterData: true, subtree: true, attributes: true });
})()`;

type Measured = { answerMs: number; longestMs: number };

/** Puts `text` into `box` as a paste does, and measures until the summary answers (or `timeoutMs` passes). */
async function measurePaste(page: Page, box: string, text: string, timeoutMs: number): Promise<Measured> {
  await page.evaluate(`window.__text = ${JSON.stringify(text)}`);
  await page.evaluate(`(() => { const s = document.querySelector('#summary, #explain-summary'); s.textContent = ''; window.__answered = 0; window.__lt = [];
    const box = document.querySelector(${JSON.stringify(box)}); window.__t0 = performance.now(); box.value = window.__text;
    box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' })); })()`);
  return waitForAnswer(page, timeoutMs);
}

/** Types a few characters at the end of `box`, a keystroke every 150 ms, and measures as measurePaste does. */
async function measureTyping(page: Page, box: string, timeoutMs: number): Promise<Measured> {
  await page.evaluate(`(() => { const box = document.querySelector(${JSON.stringify(box)}); box.focus(); box.setSelectionRange(box.value.length, box.value.length); })()`);
  await page.evaluate(`(() => { document.querySelector('#summary, #explain-summary').textContent = ''; window.__answered = 0; window.__lt = []; window.__t0 = performance.now(); })()`);
  await page.keyboard.type('# typed', { delay: 150 });
  return waitForAnswer(page, timeoutMs);
}

/** `p`, or `fallback` once `ms` have passed (a page whose main thread is blocked answers nothing). */
const within = <T>(p: Promise<T>, ms: number, fallback: T) => Promise.race([p, new Promise<T>((done) => setTimeout(() => done(fallback), ms))]);

async function waitForAnswer(page: Page, timeoutMs: number): Promise<Measured> {
  const start = Date.now();
  // Polled from outside: the page's CSP forbids the eval that waitForFunction needs.
  let answered = 0;
  while (!answered && Date.now() - start < timeoutMs) {
    answered = Number(await within(page.evaluate('window.__answered'), 2000, 0));
    if (!answered) await page.waitForTimeout(50);
  }
  if (!answered) return { answerMs: NaN, longestMs: NaN };
  await page.waitForTimeout(1000); // work that follows the answer (rendering the rest, the share link) counts too
  const longest = Number(await page.evaluate(`Math.max(0, ...window.__lt.filter(([t]) => t >= window.__t0 - 1).map(([, d]) => d))`));
  return { answerMs: answered ? answered - Number(await page.evaluate('window.__t0')) : NaN, longestMs: longest };
}

const ms = (n: number, timeoutMs: number) => (Number.isNaN(n) ? `>${(timeoutMs / 1000).toFixed(0)} s` : `${n.toFixed(0)} ms`);
const only = process.env.BENCH_ONLY;

mkdirSync(join(root, '.test-builds'), { recursive: true });
const dist = process.env.BENCH_DIST ?? mkdtempSync(join(root, '.test-builds', 'bench-'));
try {
  const node = process.execPath;
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  const startup = timed(node, [astro, '--version']);
  const build = process.env.BENCH_DIST ? NaN : timed(node, [astro, 'build', '--outDir', dist], { ASTRO_CACHE_DIR: `${dist}-cache` });

  const { url, server } = await serveStatic(dist);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  try {
    if (!only || only === 'weight') {
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
    }

    if (!only || only === 'search') {
      // Search: bytes and time for one query typed into the real search box.
      const page = await browser.newPage();
      await page.goto(url + '/', { waitUntil: 'networkidle' });
      await page.locator('button[data-open-modal]:not([disabled])').waitFor();
      // Everything search costs, from opening the dialog to the first query's results: the UI's script and
      // stylesheet, Pagefind's wasm, metadata, filters, index chunks and result fragments (gzip -9, as for weight).
      let searchBytes = 0;
      // /search/ is the site's own part: the Pagefind shim and the parameter names for "did you mean".
      page.on('response', (r) => { if (/\/pagefind\/|\/search\/|\/ui-core\.|\/pagefind-ui\./.test(r.url())) void r.body().then((b) => { searchBytes += gz(b); }, () => {}); });
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
        // NaN when no result came (a query with no answer never shows one).
        return Number(await page.evaluate(`window.__t1 ? window.__t1 - window.__t0 : NaN`));
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
      // Whole questions and pasted lines take the relaxed path (one extra Pagefind search per informative word,
      // the page kind of the leaders): the same measure once the index is loaded.
      const questions = ['postfix letsencrypt unable to verify the first certificate fullchain', 'postfix relayhost office365 587 TLS settings',
        'Any plans for DANE support in the Postfix config?', 'SMTPS wrappermode (TCP port 465) requires setting smtp_tls_wrappermode',
        'Nov 23 18:41:03 mx postfix/smtpd[31375]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher'];
      for (const q of questions) await timeQuery(q); // first run of each loads its words' index chunks
      const relaxed: number[] = [];
      for (const q of questions) relaxed.push(await timeQuery(q));
      relaxed.sort((a, b) => a - b);
      const budget = (ok: boolean) => (ok ? 'within budget' : 'OVER BUDGET');
      console.log(`Questions of several words, last keystroke -> first result (index loaded): median ${relaxed[2]!.toFixed(0)} ms, slowest ${relaxed.at(-1)!.toFixed(0)} ms`);
      console.log(`Budgets: first query fetches ${kb(firstQueryBytes)} of 150.0 KB (${budget(firstQueryBytes <= 150 * 1024)}); keystroke -> result once loaded ${Math.max(warm[2]!, relaxed.at(-1)!).toFixed(0)} ms at worst of 100 ms, the UI's 40 ms input pause included (${budget(Math.max(warm[2]!, relaxed.at(-1)!) < 100)})`);
      await page.close();
    }

    if (!only || only === 'checker') {
      // Checker: 1 000 lines in the page vs the engine in Node.
      const main = thousandLineMainCf();
      const { content } = await loadContentDir(root, process.env.POSTFIX_TLS_CONTENT ? join(root, process.env.POSTFIX_TLS_CONTENT) : undefined);
      const facts = factsFromData(factsDataFromContent(content));
      const t = performance.now();
      for (let i = 0; i < 5; i++) check({ files: [{ name: 'main.cf', kind: 'main', text: main }], facts });
      const nodeMs = (performance.now() - t) / 5;
      const checker = await browser.newPage();
      await checker.goto(url + '/check/', { waitUntil: 'networkidle' });
      await checker.fill('#input-main', main);
      await checker.locator('#summary:not([data-busy])').filter({ hasText: 'finding' }).or(checker.locator('#summary').filter({ hasText: 'No findings' })).waitFor();
      await checker.evaluate(`document.querySelector('#summary').textContent = ''`);
      const pageMs = Number(await checker.evaluate(`new Promise((done) => { const s = document.querySelector('#summary'); const t = performance.now(); new MutationObserver((m, o) => { if (s.textContent && !s.hasAttribute('data-busy')) { o.disconnect(); done(performance.now() - t); } }).observe(s, { childList: true, characterData: true, subtree: true, attributes: true }); document.querySelector('#checker button[type=submit]').click(); })`));
      console.log(`\nChecker, 1 000-line main.cf: ${pageMs.toFixed(0)} ms in the page (parse, check, render) vs ${nodeMs.toFixed(0)} ms for the engine in Node (${(pageMs / nodeMs).toFixed(1)}x)`);
      await checker.close();

      // Large input, pasted and then typed into: the tab must stay responsive whatever the size.
      const timeoutMs = Number(process.env.BENCH_TIMEOUT_MS ?? 120_000);
      console.log(`\nIn the page, paste -> answer, and the longest main-thread block (long task or frame) while pasting and while typing`);
      console.log(`${'page, input'.padEnd(30)} ${'lines'.padStart(8)} ${'MB'.padStart(6)} ${'answer'.padStart(9)} ${'block (paste)'.padStart(14)} ${'block (typing)'.padStart(15)}`);
      const cases: [string, string, string, (n: number) => string][] = [
        ['checker, main.cf', '/check/', '#input-main', mainCfOf],
        ['checker, mail log in main.cf', '/check/', '#input-main', mailLogOf],
        ['explainer, mail log', '/explain/', '#log-input', mailLogOf],
      ];
      for (const [label, path, box, make] of cases) {
        let gaveUp = false;
        for (const lines of [1_000, 20_000, 100_000]) {
          const text = make(lines);
          if (gaveUp) {
            console.log(`${label.padEnd(30)} ${lines.toLocaleString('en').padStart(8)} ${(text.length / 1e6).toFixed(1).padStart(6)} ${'(not run: the smaller input got no answer)'.padStart(40)}`);
            continue;
          }
          const p = await browser.newPage();
          await p.goto(url + path, { waitUntil: 'networkidle' });
          await p.evaluate(probe);
          const paste = await measurePaste(p, box, text, timeoutMs);
          // Typing is measured once the paste has an answer (a page still busy would only add to the figure).
          const typing = Number.isNaN(paste.answerMs) ? undefined : await measureTyping(p, box, timeoutMs);
          console.log(`${label.padEnd(30)} ${lines.toLocaleString('en').padStart(8)} ${(text.length / 1e6).toFixed(1).padStart(6)} ${ms(paste.answerMs, timeoutMs).padStart(9)} ${ms(paste.longestMs, timeoutMs).padStart(14)} ${(typing ? ms(typing.longestMs, timeoutMs) : '-').padStart(15)}`);
          gaveUp = Number.isNaN(paste.answerMs);
          await within(p.close(), 10_000, undefined);
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (!process.env.BENCH_DIST) console.log(`Build: astro build ${(build / 1000).toFixed(1)} s vs astro --version ${(startup / 1000).toFixed(1)} s (start-up alone)`);
} finally {
  if (!process.env.BENCH_DIST) {
    rmSync(dist, { recursive: true, force: true });
    rmSync(`${dist}-cache`, { recursive: true, force: true });
  }
}
