// What /explain/ shows for a pasted log: the summary sentence and the HTML of each result. Pure string
// work, so the page's Web Worker (worker.ts) does it off the main thread.
import { summarise, type ExplainedLine, type Severity } from './explain-log.ts';
import { escapeHtml, renderParagraphs, renderTemplate } from './render.ts';
import { parameterPath } from '../urls.ts';

/** Results the worker sends with an answer, and per "Show more": the page holds only what it lists. */
export const ITEMS_PER_MESSAGE = 200;

export const severityLabels: Record<Severity, string> = { ok: 'OK', info: 'Info', warning: 'Warning', error: 'Error' };

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

export function renderLine(r: ExplainedLine, paramPages: ReadonlySet<string>, patternCount: number): string {
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

