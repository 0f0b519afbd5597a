// Browser side of /explain/: hands the patterns embedded in the page and what the reader pastes to a Web
// Worker (worker.ts), which explains the lines off the main thread, so typing never waits; lists the
// results a few hundred at a time and keeps the text in the URL fragment. No network access happens here.
import type { ExplainPattern } from './explain-log.ts';
import { logFromFragment } from './fragment.ts';
import type { FromExplainWorker, ToExplainWorker } from './worker.ts';
import { LatestOnly } from '../latest-only.ts';

export interface EmbeddedData {
  patterns: ExplainPattern[];
  /** Parameter names that have a page at /parameters/<name>/. */
  parameterPages: string[];
  /** Real log lines for the "Try an example" button. */
  sample: string;
}

export { renderLine, severityLabels, summaryText } from './results.ts';
import { ITEMS_PER_MESSAGE } from './results.ts';

const DEBOUNCE_MS = 400;

/** Wires up the form on /explain/. Safe to call when the page lacks the elements (does nothing). */
export function initExplainPage(doc: Document = document): void {
  const form = doc.querySelector<HTMLFormElement>('#explain-form');
  const input = doc.querySelector<HTMLTextAreaElement>('#log-input');
  const list = doc.querySelector<HTMLOListElement>('#explain-results');
  const summary = doc.querySelector<HTMLElement>('#explain-summary');
  const dataEl = doc.querySelector('#log-patterns');
  if (!form || !input || !list || !summary || !dataEl) return;

  const json = dataEl.textContent ?? '';
  let data: EmbeddedData;
  try {
    data = JSON.parse(json) as EmbeddedData;
  } catch {
    summary.textContent = 'The list of log patterns could not be read; the explainer is unavailable.';
    return;
  }
  const win = doc.defaultView ?? window;
  const more = doc.querySelector<HTMLButtonElement>('#explain-more');

  for (const el of doc.querySelectorAll<HTMLElement>('[data-needs-js]')) el.hidden = false;

  let worker: Worker | undefined;
  const spawn = () => {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.postMessage({ type: 'patterns', json } satisfies ToExplainWorker);
    w.addEventListener('message', (e: MessageEvent<FromExplainWorker>) => show(e.data));
    w.addEventListener('error', () => { summary.textContent = 'The explainer could not start in this browser; reload the page to try again.'; });
    return w;
  };
  const jobs = new LatestOnly<{ text: string; withHash: boolean }>(
    (id, { text, withHash }) => { worker ??= spawn(); worker.postMessage({ type: 'explain', id, text, withHash } satisfies ToExplainWorker); },
    () => { worker?.terminate(); worker = undefined; },
  );

  // Results are listed a few hundred at a time; the worker renders the next ones when asked.
  let shownId = 0;
  let total = 0;
  let shown = 0;
  const append = (items: readonly string[]) => {
    list.insertAdjacentHTML('beforeend', items.join(''));
    shown += items.length;
    if (more) {
      more.hidden = shown >= total;
      more.disabled = false;
      more.textContent = `Show ${Math.min(ITEMS_PER_MESSAGE, total - shown)} more (${(total - shown).toLocaleString('en')} not shown yet)`;
    }
  };
  more?.addEventListener('click', () => {
    more.disabled = true;
    worker?.postMessage({ type: 'more', id: shownId, from: shown } satisfies ToExplainWorker);
  });

  const show = (answer: FromExplainWorker) => {
    if (answer.type === 'more') {
      if (answer.id === shownId && answer.from === shown) append(answer.items);
      return;
    }
    if (!jobs.settle(answer.id)) return;
    shownId = answer.id;
    total = answer.total;
    shown = 0;
    list.replaceChildren();
    append(answer.items);
    let message = answer.summary;
    if (answer.hash !== undefined) {
      const base = win.location.pathname + win.location.search;
      win.history.replaceState(win.history.state, '', answer.hash === null || answer.hash === '' ? base : base + answer.hash);
      if (answer.hash === null) message += ' The text is too long to keep in the link.';
    }
    summary.textContent = message;
    summary.removeAttribute('data-busy');
  };

  let lastText: string | null = null;
  const run = (updateUrl: boolean) => {
    const text = input.value;
    if (text === lastText) {
      if (!jobs.busy) summary.removeAttribute('data-busy');
      return;
    }
    lastText = text;
    summary.setAttribute('data-busy', '');
    jobs.submit({ text, withHash: updateUrl });
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    // The results on screen are out of date from now on (data-busy); the new ones follow shortly.
    summary.setAttribute('data-busy', '');
    clearTimeout(timer);
    timer = setTimeout(() => run(true), DEBOUNCE_MS);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    lastText = null;
    run(true);
  });
  doc.querySelector('#explain-clear')?.addEventListener('click', () => {
    input.value = '';
    clearTimeout(timer);
    run(true);
    input.focus();
  });
  doc.querySelector('#explain-example')?.addEventListener('click', () => {
    input.value = data.sample ?? '';
    clearTimeout(timer);
    run(true);
  });

  // "About this kind of line" links: scroll to the reference entry without replacing #log=... in the URL.
  list.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest?.('a.pattern-link');
    if (!(link instanceof HTMLAnchorElement)) return;
    const target = doc.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView();
    target.focus({ preventScroll: true });
  });

  const restore = () => {
    const text = logFromFragment(win.location.hash);
    if (text === null || text === input.value) return;
    input.value = text;
    run(false);
  };
  win.addEventListener('hashchange', restore);
  restore();
  if (lastText === null) run(false);
}
