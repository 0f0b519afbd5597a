// Browser side of /explain/: reads the patterns embedded in the page, explains what the reader
// pastes, and keeps the text in the URL fragment. No network access of any kind happens here.
import { createExplainer, summarise, type ExplainedLine, type ExplainPattern, type Severity } from './explain-log.ts';
import { logFromFragment, logToFragment } from './fragment.ts';
import { escapeHtml, renderParagraphs, renderTemplate } from './render.ts';
import { parameterPath } from '../urls.ts';

export interface EmbeddedData {
  patterns: ExplainPattern[];
  /** Parameter names that have a page at /parameters/<name>/. */
  parameterPages: string[];
  /** Real log lines for the "Try an example" button. */
  sample: string;
}

export const severityLabels: Record<Severity, string> = { ok: 'OK', info: 'Info', warning: 'Warning', error: 'Error' };

/** Results shown at most; the summary still counts every line. */
const MAX_SHOWN = 2000;
const DEBOUNCE_MS = 400;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The sentence the live region announces after each run. */
export function summaryText(results: readonly ExplainedLine[]): string {
  const s = summarise(results);
  const nonBlank = s.lines - s.blank;
  if (nonBlank === 0) return 'Paste log lines above to see them explained.';
  const parts = [`${plural(s.explained, 'line')} explained`];
  if (s.explained) {
    const names = { error: ['error', 'errors'], warning: ['warning', 'warnings'], info: ['info', 'info'], ok: ['OK', 'OK'] } as const;
    const sev = (['error', 'warning', 'info', 'ok'] as const).filter((k) => s.bySeverity[k]).map((k) => plural(s.bySeverity[k], names[k][0], names[k][1]));
    parts[0] += ` (${sev.join(', ')})`;
  }
  parts.push(`${plural(s.unrecognised, 'TLS line')} not recognised`, `${plural(s.notTls, 'line')} not about TLS`);
  return `${plural(nonBlank, 'line')}: ${parts.join(', ')}.`;
}

function renderLine(r: ExplainedLine, paramPages: ReadonlySet<string>, patternCount: number): string {
  const prefix = r.prefix
    ? `<p class="line-meta">${[r.prefix.timestamp, r.prefix.host, `${r.prefix.program}${r.prefix.pid !== undefined ? `[${r.prefix.pid}]` : ''}`]
      .filter(Boolean).map((x) => escapeHtml(String(x))).join(' · ')}</p>`
    : '';
  const head = (badgeClass: string, badge: string, title: string) =>
    `<div class="line-head"><span class="line-no">Line ${r.lineNumber}</span> <span class="badge ${badgeClass}">${badge}</span> <span class="line-title">${escapeHtml(title)}</span></div>`
    + `<code class="raw-line">${escapeHtml(r.raw)}</code>${prefix}`;
  if (r.kind === 'explained') {
    const steps = r.nextStepsTemplates.length
      ? `<p class="steps-label">What to do</p><ul class="line-steps">${r.nextStepsTemplates.map((t) => `<li>${renderTemplate(t, r.fields)}</li>`).join('')}</ul>`
      : '';
    const params = r.parameters.length
      ? `<p class="line-params">Parameters: ${r.parameters.map((p) => (paramPages.has(p)
        ? `<a href="${escapeHtml(parameterPath(p))}"><code>${escapeHtml(p)}</code></a>`
        : `<code>${escapeHtml(p)}</code>`)).join(', ')}</p>`
      : '';
    return `<li value="${r.lineNumber}" id="line-${r.lineNumber}" class="explain-line kind-explained sev-${r.severity}" data-kind="explained" data-pattern="${escapeHtml(r.patternId)}">`
      + head(`sev-${r.severity}`, severityLabels[r.severity], r.title)
      + `<div class="line-explanation">${renderParagraphs(r.explanationTemplate, r.fields)}</div>${steps}${params}`
      + `<p class="line-ref"><a class="pattern-link" href="#pattern-${escapeHtml(r.patternId)}">About this kind of line</a></p></li>`;
  }
  if (r.kind === 'unrecognised-tls') {
    return `<li value="${r.lineNumber}" id="line-${r.lineNumber}" class="explain-line kind-unrecognised" data-kind="unrecognised-tls">`
      + head('kind-unrecognised', 'Not recognised', 'TLS-related, but not a line this page knows')
      + `<p class="line-explanation">This line mentions TLS, but it matches none of the ${patternCount} kinds of line listed below, so it is `
      + 'left unexplained rather than guessed at. Lines logged just before or after it by the same process often tell the story.</p></li>';
  }
  return `<li value="${r.lineNumber}" id="line-${r.lineNumber}" class="explain-line kind-not-tls" data-kind="not-tls">`
    + head('kind-not-tls', 'Not about TLS', 'Not about TLS') + '</li>';
}

/** Wires up the form on /explain/. Safe to call when the page lacks the elements (does nothing). */
export function initExplainPage(doc: Document = document): void {
  const form = doc.querySelector<HTMLFormElement>('#explain-form');
  const input = doc.querySelector<HTMLTextAreaElement>('#log-input');
  const list = doc.querySelector<HTMLOListElement>('#explain-results');
  const summary = doc.querySelector<HTMLElement>('#explain-summary');
  const dataEl = doc.querySelector('#log-patterns');
  if (!form || !input || !list || !summary || !dataEl) return;

  let data: EmbeddedData;
  try {
    data = JSON.parse(dataEl.textContent ?? '') as EmbeddedData;
  } catch {
    summary.textContent = 'The list of log patterns could not be read; the explainer is unavailable.';
    return;
  }
  const explain = createExplainer(data.patterns);
  const paramPages = new Set(data.parameterPages);
  const win = doc.defaultView ?? window;

  for (const el of doc.querySelectorAll<HTMLElement>('[data-needs-js]')) el.hidden = false;

  let lastText: string | null = null;
  const run = (updateUrl: boolean) => {
    const text = input.value;
    if (text === lastText) return;
    lastText = text;
    const results = explain(text);
    const shown = results.filter((r) => r.kind !== 'blank');
    list.innerHTML = shown.slice(0, MAX_SHOWN).map((r) => renderLine(r, paramPages, data.patterns.length)).join('');
    let message = summaryText(results);
    if (shown.length > MAX_SHOWN) message += ` Only the first ${MAX_SHOWN} are shown.`;
    if (updateUrl) {
      const hash = logToFragment(text);
      const base = win.location.pathname + win.location.search;
      win.history.replaceState(win.history.state, '', hash === null || hash === '' ? base : base + hash);
      if (hash === null) message += ' The text is too long to keep in the link.';
    }
    summary.textContent = message;
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
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
