// Stands in for `@pagefind/default-ui` (aliased in astro.config.mjs). Starlight builds the search UI when the
// page goes idle, which downloads ~30 KB of script on every page view, and puts Pagefind's stylesheet (~3 KB
// compressed) in every page's CSS; this wrapper defers both until the reader opens the search dialog, so
// reference pages stay light. The options are passed through, except that Pagefind is loaded through
// /search/pagefind.js, which hands queries to siteSearch() below.

// A URL rather than a CSS import: Astro puts every stylesheet a page's scripts import, even lazily, in the page.
import stylesheetUrl from '../styles/pagefind-ui.css?url';
import { logToFragment } from '../lib/explain/fragment.ts';
import { parameterPath } from '../lib/urls.ts';
import { leadWithNamed, logLineMessage, nearMissName, queryWords, rankByWords } from '../lib/search/query.ts';

function addStylesheet(href: string) {
  const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href });
  document.head.append(link);
}

type Options = { element: string; bundlePath?: string; [key: string]: unknown };

type ResultData = { url: string; meta: Record<string, string>; excerpt: string; sub_results: unknown[]; [key: string]: unknown };
type Result = { id: string; score: number; words: number[]; data: () => Promise<ResultData> };
type Response = { results: Result[]; unfilteredResultCount: number; filters: unknown; totalFilters: unknown; timings: unknown };
type Pagefind = {
  search: (term: string | null, options?: object) => Promise<Response>;
  preload: (term: string, options?: object) => Promise<void>;
  createInstance: (options: object) => Pagefind;
};

/** Fewer pages with all the words than this, and the list says it also holds pages with most of them. */
const ENOUGH = 3;
/** How many of the best relaxed results are re-ranked by the kind of page they are. */
const RERANKED = 12;

/** Weight of a page by its kind, for questions of several words. */
function pagePrior(url: string): number {
  const path = url.replace(/#.*$/, '');
  if (/^\/(recipes|parameters|rules|security-levels|protocols|cipher-grades)?\/?$/.test(path) || path === '/releases/') return 0.5;
  if (path.startsWith('/recipes/')) return 1.5;
  if (path.startsWith('/security-levels/') || path.startsWith('/protocols/')) return 1.15;
  return 1;
}

/** A page with every informative word of the query ranks this much higher than its words alone would put it. */
const FULL_MATCH_BONUS = 1.25;

/** What the last query needed beyond Pagefind's own answer; shown above the results. */
let note = { term: '', text: '' };

let names: Promise<string[]> | undefined;
const parameterNames = () => (names ??= fetch('/search/names.json').then((r) => r.json() as Promise<string[]>).catch(() => []));

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A result that is not a page of the index: an offer shown first. */
function offer(id: string, url: string, title: string, excerpt: string): Result {
  const data: ResultData = { url, raw_url: url, meta: { title }, excerpt: escapeHtml(excerpt), content: excerpt, sub_results: [], word_count: 0, filters: {}, anchors: [], locations: [], weighted_locations: [] };
  return { id, score: Infinity, words: [], data: async () => data };
}

/**
 * Ranking for the one-word searches a relaxed query is built from: unlike the box's own ranking (tuned so exact
 * parameter names win), it normalises for page length, so a word counts most on a page that is about it.
 */
const PER_WORD_RANKING = { termSimilarity: 1, pageLength: 0.75, termFrequency: 1, termSaturation: 1.4 };

function siteSearch(pagefind: Pagefind) {
  let total: Promise<number> | undefined;
  let perWord: Pagefind | undefined;
  return async (term: string, options: object = {}): Promise<Response> => {
    const offers: Result[] = [];
    const message = logLineMessage(term);
    if (message !== null) {
      const hash = logToFragment(term.trim());
      offers.push(offer('explain-line', `/explain/${hash ?? ''}`, 'Explain this line', 'Open the log explainer with this line filled in: what it means and what to do.'));
    }
    const near = nearMissName(term, await parameterNames());
    if (near) offers.push(offer(`did-you-mean-${near}`, parameterPath(near), `Did you mean ${near}?`, `No parameter is called “${term.trim()}”; the nearest TLS parameter name is ${near}.`));

    const words = queryWords(term);
    const full = await pagefind.search(words.join(' ') || term, options);
    let text = '';
    let results = full.results;
    // A question of several words is ranked by how many of its informative words each page has and how much
    // each page is about them; one word (a parameter name, above all) keeps Pagefind's own ranking.
    if (words.length > 1) {
      // Pages in the index, from Pagefind's own entry file (already fetched, so served from the cache).
      total ??= fetch('/pagefind/pagefind-entry.json').then((r) => r.json() as Promise<{ languages: Record<string, { page_count: number }> }>)
        .then((e) => Object.values(e.languages).reduce((n, l) => n + l.page_count, 0)).catch(() => 0);
      perWord ??= pagefind.createInstance({ ranking: PER_WORD_RANKING, noWorker: true });
      const single = await Promise.all(words.map((w) => perWord!.search(w, options)));
      const byId = new Map<string, Result>(full.results.map((r) => [r.id, r]));
      for (const r of single) for (const x of r.results) if (!byId.has(x.id)) byId.set(x.id, x);
      const pagesOf = (r: Response) => r.results.map((x) => ({ id: x.id, score: x.score }));
      const matches = words.map((word, i) => ({ word, pages: pagesOf(single[i]!) }));
      const pageCount = Math.max(await total, ...single.map((r) => r.results.length));
      const ranked = rankByWords(matches, pageCount);
      // Pages with every word, by the one-word searches (Pagefind's own search of all the words together may set
      // aside a word no page has, so its answer cannot tell).
      const all = new Set(ranked.filter((r) => r.matched === words.length).map((r) => r.id));
      for (const r of ranked) if (all.has(r.id)) r.score *= FULL_MATCH_BONUS;
      ranked.sort((a, b) => b.score - a.score);
      // Among the leaders, the kind of page counts too: a question is best answered by a recipe, and an index
      // page that lists everything only mentions the words. Needs each leader's address (its data, which the
      // list loads anyway for the results it shows).
      const head = ranked.slice(0, RERANKED);
      const urls = new Map(await Promise.all(head.map(async (r) => [r.id, (await byId.get(r.id)!.data()).url] as const)));
      for (const r of head) r.score *= pagePrior(urls.get(r.id)!);
      head.sort((a, b) => b.score - a.score);
      ranked.splice(0, head.length, ...head);
      // A parameter name typed exactly puts its page first (the box's own ranking finds it, as for the name
      // alone), unless a recipe among the leaders uses the name and has more of the question's other words.
      const known = new Map((await parameterNames()).map((n) => [n.toLowerCase(), n]));
      const names = words.filter((w) => known.has(w));
      if (names.length > 0) {
        const lead = (await Promise.all(names.map((w) => pagefind.search(w, options).then((r) => r.results[0]?.id))))
          .filter((id): id is string => id !== undefined);
        // The question's other words, weighed as above: how much of the rest of the question a page answers.
        const rest = new Map(rankByWords(matches.filter((m) => !names.includes(m.word)), pageCount).map((r) => [r.id, r.score]));
        const restOf = (id: string) => rest.get(id) ?? 0;
        const has = (id: string, word: string) => matches.find((m) => m.word === word)!.pages.some((x) => x.id === id);
        const bar = Math.max(...lead.map(restOf));
        const answersMore = (id: string) => (urls.get(id) ?? '').startsWith('/recipes/') && names.every((w) => has(id, w)) && restOf(id) > bar;
        ranked.splice(0, ranked.length, ...leadWithNamed(ranked, lead, answersMore));
      }
      results = ranked.slice(0, 30).map((r) => ({ ...byId.get(r.id)!, score: r.score }));
      if (all.size < ENOUGH && results.length > all.size) {
        text = all.size === 0
          ? 'No page has all of these words; pages with most of them:'
          : `Only ${all.size === 1 ? 'one page has' : `${all.size} pages have`} all of these words; pages with most of them are listed too.`;
      }
    }
    note = { term, text };
    queueMicrotask(showNote);
    return { ...full, results: [...offers, ...results] };
  };
}

/**
 * No preloading while the reader types. Pagefind matches the last word as a prefix, so each partial word ("s",
 * "smt", "smtpd_t") would fetch the index chunks of every word starting with it: for this site's names, most of
 * the index (about 80 KB more for the first query). The search after the 40 ms pause loads just what it needs.
 */
function sitePreload() {
  return async () => {};
}

/** Puts the note on relaxed results between the result count and the list. */
function showNote() {
  const area = document.querySelector('#starlight__search .pagefind-ui__results-area');
  let el = document.querySelector<HTMLElement>('#starlight__search .search-note');
  const input = document.querySelector<HTMLInputElement>('#starlight__search .pagefind-ui__search-input');
  const text = input && note.term === input.value ? note.text : '';
  if (!area || !text) { el?.remove(); return; }
  el ??= Object.assign(document.createElement('p'), { className: 'search-note' });
  el.setAttribute('role', 'status');
  if (el.textContent !== text) el.textContent = text;
  const message = area.querySelector('.pagefind-ui__message');
  if (message && message.nextElementSibling !== el) message.after(el);
}

export class PagefindUI {
  constructor(options: Options) {
    const dialog = document.querySelector(options.element)?.closest('dialog');
    let started = false;
    const start = async () => {
      if (started) return;
      started = true;
      observer.disconnect();
      addStylesheet(stylesheetUrl);
      const pagefindUrl = `${options.bundlePath ?? '/pagefind/'}pagefind.js`;
      const [{ PagefindUI: Real }, pagefind] = await Promise.all([
        import('@pagefind/default-ui/npm_dist/mjs/ui-core.mjs'),
        import(/* @vite-ignore */ pagefindUrl) as Promise<Pagefind>,
      ]);
      Object.assign(globalThis, { __siteSearch: siteSearch(pagefind), __sitePreload: sitePreload() });
      // Pagefind answers a query in a few milliseconds once its index is loaded; its UI's default 300 ms pause
      // after each keystroke would be most of the wait.
      // A parameter page's `name` metadata is there for the ranking (src/search-ranking.ts); the result already
      // shows the name as its title, so the UI must not list it again as a tag.
      const processResult = options.processResult as ((r: ResultData) => ResultData | void) | undefined;
      new Real({
        ...options, bundlePath: '/search/', autofocus: true, debounceTimeoutMs: 40,
        processResult: (r: ResultData) => {
          const out = processResult?.(r) ?? r;
          delete out.meta.name;
          return out;
        },
      });
      const root = document.querySelector(options.element);
      const input = root?.querySelector<HTMLInputElement>('.pagefind-ui__search-input');
      // Whatever was typed into the stand-in field while the UI loaded (src/scripts/search-typeahead.ts).
      const standIn = root?.querySelector<HTMLInputElement>('.search-typeahead');
      if (input && standIn) {
        const hadFocus = document.activeElement === standIn;
        input.value = standIn.value;
        const { selectionStart, selectionEnd } = standIn;
        standIn.remove();
        if (hadFocus || dialog?.open) input.focus();
        input.setSelectionRange(selectionStart, selectionEnd);
        if (input.value) input.dispatchEvent(new Event('input', { bubbles: true }));
      } else {
        standIn?.remove();
        input?.focus();
      }
      if (root) new MutationObserver(showNote).observe(root, { childList: true, subtree: true });
      // The UI loads Pagefind (wasm, filters) on the input's focus event, but it focuses the input before it
      // listens, so the load would wait for the first keystroke. Start it now, while the reader types.
      input?.dispatchEvent(new FocusEvent('focus'));
    };
    const observer = new MutationObserver(() => { if (dialog?.open) void start(); });
    if (!dialog || dialog.open) void start();
    else observer.observe(dialog, { attributes: true, attributeFilter: ['open'] });
  }
}
