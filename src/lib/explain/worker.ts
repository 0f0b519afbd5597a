// The /explain/ page's Web Worker: compiles the patterns once, then explains each text off the main
// thread and returns the summary and the HTML of the results to show.
// Messages: {type:'patterns', json} once, then {type:'explain', id, text, withHash}.
import { createExplainer, type ExplainedLine } from './explain-log.ts';
import { logToFragment, MAX_FRAGMENT_CHARS } from './fragment.ts';
import type { EmbeddedData } from './page.ts';
import { ITEMS_PER_MESSAGE, renderLine, summaryText } from './results.ts';

export type ToExplainWorker =
  | { type: 'patterns'; json: string }
  | { type: 'explain'; id: number; text: string; withHash: boolean }
  | { type: 'more'; id: number; from: number };
export type FromExplainWorker = {
  type: 'answer';
  id: number;
  /** HTML of the first results to list, in order. */
  items: string[];
  /** Non-blank lines, all of them (items holds the first few). */
  total: number;
  summary: string;
  /** "#log=..." for the address bar, "" for empty text, null when too long for a link; absent unless asked. */
  hash?: string | null;
} | { type: 'more'; id: number; from: number; items: string[] };

const scope = self as unknown as { onmessage: ((e: MessageEvent<ToExplainWorker>) => void) | null; postMessage(message: FromExplainWorker): void };
let explain: ((text: string) => ExplainedLine[]) | undefined;
let data: EmbeddedData | undefined;
let paramPages: ReadonlySet<string> = new Set();
/** The results of the last text, rendered on demand for 'more' requests. */
let last: { id: number; results: ExplainedLine[] } | undefined;

scope.onmessage = ({ data: msg }) => {
  if (msg.type === 'patterns') {
    data = JSON.parse(msg.json) as EmbeddedData;
    explain = createExplainer(data.patterns);
    paramPages = new Set(data.parameterPages);
    return;
  }
  if (!explain || !data) return;
  const d = data;
  const render = (from: number) => (last?.results ?? []).slice(from, from + ITEMS_PER_MESSAGE)
    .map((r) => renderLine(r, paramPages, d.patterns.length));
  if (msg.type === 'more') {
    if (last?.id === msg.id) scope.postMessage({ type: 'more', id: msg.id, from: msg.from, items: render(msg.from) });
    return;
  }
  const results = explain(msg.text);
  last = { id: msg.id, results: results.filter((r) => r.kind !== 'blank') };
  // A text longer than the limit cannot fit once encoded: skip encoding it at all.
  const hash = !msg.withHash ? undefined : msg.text.length > MAX_FRAGMENT_CHARS ? null : logToFragment(msg.text);
  scope.postMessage({ type: 'answer', id: msg.id, items: render(0), total: last.results.length, summary: summaryText(results), hash });
};
