// The /check/ page in the browser. The engine runs in a Web Worker (src/lib/checker/worker.ts), so the page
// never waits on a check: typing stays instant whatever the size of the input, the last result stays on
// screen until the next one is ready, and findings are listed a hundred at a time. Dropped files and
// pasted text take the same path: into a box, then the same input event.
import { boxKinds, boxLabels, FINDINGS_PER_MESSAGE } from '../lib/checker/boxes.ts';
import type { CheckAnswer, CheckRequest, Misplaced, ShownFinding } from '../lib/checker/run.ts';
import type { FromWorker, ToWorker } from '../lib/checker/worker.ts';
import type { FileKind } from '../lib/engine-types.ts';
import { logToFragment, MAX_FRAGMENT_CHARS } from '../lib/explain/fragment.ts';
import { contentKindLabels, kindOfFile } from '../lib/file-kinds.ts';
import { LatestOnly } from '../lib/latest-only.ts';
import { decodeShared } from '../lib/share.ts';
import { el, findingItem } from './finding-item.ts';

const DEBOUNCE_MS = 300;
/** Larger files are refused: no Postfix configuration is anywhere near this size. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

const form = document.getElementById('checker') as HTMLFormElement;
const results = document.getElementById('results')!;
const summary = document.getElementById('summary')!;
const busy = document.getElementById('checking')!;
const more = document.getElementById('show-more') as HTMLButtonElement;
const dropStatus = document.getElementById('drop-status')!;
const shareStatus = document.getElementById('share-status')!;
const factsJson = document.getElementById('facts-data')!.textContent!;
const area = (k: FileKind) => form.elements.namedItem(k) as HTMLTextAreaElement;
const select = (n: string) => form.elements.namedItem(n) as HTMLSelectElement;

// ---- the worker: at most one check in flight, and only the newest request waits behind it ----

let worker: Worker | undefined;
/** The request whose answer is on screen. */
let shownId = 0;
let packedWaiters: ((p: string | null) => void)[] = [];

function spawn(): Worker {
  const w = new Worker(new URL('../lib/checker/worker.ts', import.meta.url), { type: 'module' });
  w.postMessage({ type: 'facts', json: factsJson } satisfies ToWorker);
  w.addEventListener('message', (e: MessageEvent<FromWorker>) => onMessage(e.data));
  w.addEventListener('error', () => {
    summary.textContent = 'The checker could not start in this browser; reload the page to try again.';
    summary.removeAttribute('data-busy');
    busy.hidden = true;
  });
  return w;
}

const jobs = new LatestOnly<CheckRequest>(
  (id, request) => { worker ??= spawn(); worker.postMessage({ type: 'check', id, request } satisfies ToWorker); },
  () => { worker?.terminate(); worker = undefined; },
);

function currentRequest(): CheckRequest {
  const texts = Object.fromEntries(boxKinds.map((k) => [k, area(k).value])) as Record<FileKind, string>;
  return { texts, postfix: select('postfix').value, compat: select('compat').value || undefined };
}

/** Checks the boxes as they are now. The result on screen stays until the new one is ready. */
function run() {
  clearTimeout(timer);
  const req = currentRequest();
  if (boxKinds.every((k) => !req.texts[k].trim())) {
    jobs.cancel();
    showEmpty();
    return;
  }
  summary.setAttribute('data-busy', '');
  busy.hidden = false;
  jobs.submit(req);
}

function onMessage(msg: FromWorker) {
  if (msg.type === 'packed') {
    if (msg.id !== shownId) return;
    // Keep the input in the fragment: a reload or a shared link restores it, and nothing reaches a server.
    history.replaceState(null, '', msg.packed === null ? location.pathname + location.search : `#c=${msg.packed}`);
    lastHash = location.hash;
    if (msg.packed === null) summary.textContent += ' The input is too long to keep in a link.';
    for (const w of packedWaiters) w(msg.packed);
    packedWaiters = [];
    return;
  }
  if (msg.type === 'more') {
    if (msg.id === shownId && msg.from === shown) append(msg.findings);
    return;
  }
  if (!jobs.settle(msg.id)) return;
  shownId = msg.id;
  summary.removeAttribute('data-busy');
  busy.hidden = true;
  if (msg.type === 'error') {
    results.replaceChildren();
    more.hidden = true;
    summary.textContent = `The check failed: ${msg.error}`;
    return;
  }
  render(msg.answer);
}

// ---- results ----

let answer: CheckAnswer | undefined;
let shown = 0;

/** Lists the findings that came with the answer or with a 'more' message. */
function append(findings: readonly ShownFinding[]) {
  if (!answer) return;
  const items = document.createDocumentFragment();
  for (const f of findings) items.append(findingItem(f));
  results.append(items);
  shown += findings.length;
  const left = answer.total - shown;
  more.hidden = left <= 0;
  more.disabled = false;
  more.textContent = `Show ${Math.min(FINDINGS_PER_MESSAGE, left)} more (${left.toLocaleString('en')} not shown yet)`;
}

/** The next findings come from the worker, which keeps all of them: the page only ever holds what it lists. */
function showMore() {
  if (!answer || !worker) return;
  more.disabled = true;
  worker.postMessage({ type: 'more', id: shownId, from: shown } satisfies ToWorker);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function render(a: CheckAnswer) {
  answer = a;
  shown = 0;
  results.replaceChildren();
  append(a.findings);
  showNotes(a.misplaced);
  const total = a.total;
  let text: string;
  if (a.checked.length === 0) {
    text = `Nothing checked: ${a.misplaced.map((m) => `the ${boxLabels[m.box]} box holds ${contentKindLabels[m.looksLike]}`).join('; ')}. See the note under the box.`;
  } else {
    text = total === 0
      ? 'No findings: nothing to fix for this release.'
      : `${plural(total, 'finding')}: ${plural(a.counts.error, 'error')}, ${plural(a.counts.warning, 'warning')}, ${a.counts.info.toLocaleString('en')} info.`;
    if (total > shown) text += ` The first ${shown} are listed.`;
    if (a.misplaced.length > 0) text += ` Not checked: the ${a.misplaced.map((m) => boxLabels[m.box]).join(' and ')} box (see the note under it).`;
  }
  summary.textContent = text;
}

function showEmpty() {
  answer = undefined;
  results.replaceChildren();
  more.hidden = true;
  showNotes([]);
  summary.removeAttribute('data-busy');
  busy.hidden = true;
  summary.textContent = 'Paste a configuration to check it.';
  if (location.hash.startsWith('#c=')) history.replaceState(null, '', location.pathname + location.search);
  lastHash = location.hash;
}

/** The note under a box whose text belongs elsewhere: what it is, and a button or link to take it there. */
function showNotes(misplaced: readonly Misplaced[]) {
  for (const k of boxKinds) {
    const note = document.getElementById(`note-${k}`)!;
    const m = misplaced.find((x) => x.box === k);
    note.hidden = !m;
    if (!m) { note.replaceChildren(); continue; }
    const parts: (Node | string)[] = [m.message, ' '];
    if (m.moveTo) {
      const to = m.moveTo;
      const button = el('button', { type: 'button', className: 'move' },
        area(to).value.trim() ? `Swap it with the ${boxLabels[to]} box` : `Move it to the ${boxLabels[to]} box`);
      button.addEventListener('click', () => moveText(k, to));
      parts.push(button);
    } else if (m.looksLike === 'log') {
      const text = area(k).value;
      const hash = text.length <= MAX_FRAGMENT_CHARS ? logToFragment(text) : null;
      parts.push(hash ? el('a', { href: `/explain/${hash}` }, 'Explain these log lines') : el('a', { href: '/explain/' }, 'Open the log explainer and paste them there'));
    }
    note.replaceChildren(...parts);
  }
}

function moveText(from: FileKind, to: FileKind) {
  const [a, b] = [area(from).value, area(to).value];
  area(to).value = a;
  area(from).value = b;
  area(to).focus();
  run();
}

// ---- input: typing, pasting, options, drops ----

let timer: ReturnType<typeof setTimeout> | undefined;
/** After an edit: the answer on screen is out of date from now on (data-busy), the check follows shortly. */
const schedule = () => {
  clearTimeout(timer);
  summary.setAttribute('data-busy', '');
  busy.hidden = false;
  timer = setTimeout(run, DEBOUNCE_MS);
};
form.addEventListener('input', schedule);
form.addEventListener('change', schedule);
form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
more.addEventListener('click', showMore);

/** File bytes as the text a paste would give: UTF-8, with a byte order mark kept (the checker flags it). */
function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

async function takeFiles(files: readonly File[], target: FileKind | undefined) {
  const report: (Node | string)[][] = [];
  const placed = new Map<FileKind, string>();
  for (const file of files) {
    const name = file.name || 'the dropped file';
    if (file.size > MAX_FILE_BYTES) {
      report.push([`${name} (${(file.size / 1048576).toFixed(0)} MB) is far larger than any Postfix configuration file; it was not loaded.`]);
      continue;
    }
    const text = decodeText(new Uint8Array(await file.arrayBuffer()));
    const kind = kindOfFile(name, text);
    if (kind === 'binary') {
      report.push([`${name} is not a text file (${file.type || 'binary data'}); it was not loaded.`]);
      continue;
    }
    if (kind === 'log') {
      report.push([`${name} is a Postfix mail log, not a configuration file; it was not loaded. `, el('a', { href: '/explain/' }, 'The log explainer'), ' reads mail logs.']);
      continue;
    }
    const box = kind ?? target;
    if (!box) {
      report.push([`Could not tell which file ${name} is; drop it on the box it belongs in.`]);
      continue;
    }
    if (placed.has(box)) {
      report.push([`${name} was not loaded: ${placed.get(box)} already went into the ${boxLabels[box]} box (one file per box).`]);
      continue;
    }
    placed.set(box, name);
    area(box).value = text;
    report.push([`${name} → the ${boxLabels[box]} box.`]);
  }
  dropStatus.replaceChildren(...report.map((parts) => el('li', {}, ...parts)));
  // The same path as typing or pasting: an input event on each box that received text.
  for (const box of placed.keys()) area(box).dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromDrop' }));
}

const boxOf = (t: EventTarget | null) => ((t as Element | null)?.closest?.('[data-file]') as HTMLElement | null);
const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
form.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  for (const b of form.querySelectorAll('.file.drop')) if (b !== boxOf(e.target)) b.classList.remove('drop');
  boxOf(e.target)?.classList.add('drop');
});
form.addEventListener('dragleave', (e) => { if (!form.contains(e.relatedTarget as Node | null)) for (const b of form.querySelectorAll('.file.drop')) b.classList.remove('drop'); });
form.addEventListener('drop', (e) => {
  if (!e.dataTransfer?.files.length) return;
  e.preventDefault();
  for (const b of form.querySelectorAll('.file.drop')) b.classList.remove('drop');
  void takeFiles([...e.dataTransfer.files], boxOf(e.target)?.dataset.file as FileKind | undefined);
});

// ---- share links: written after each check, applied on load and whenever the fragment changes ----

/** The fragment this page wrote last; a hashchange to anything else is a link to apply. */
let lastHash = '';

function packedNow(): Promise<string | null> {
  run();
  return new Promise((resolve) => { packedWaiters.push(resolve); });
}

document.getElementById('share')!.addEventListener('click', async () => {
  shareStatus.textContent = '';
  if (boxKinds.every((k) => !area(k).value.trim())) {
    shareStatus.textContent = 'Paste a configuration first: the link carries it.';
    return;
  }
  const packed = await packedNow();
  if (packed === null) {
    shareStatus.textContent = 'This input is too long for a link; share the files themselves.';
    return;
  }
  try {
    await navigator.clipboard.writeText(location.href);
    shareStatus.textContent = 'Link copied. The configuration is in the link itself, after the #.';
  } catch {
    shareStatus.textContent = 'Copy the address bar: the configuration is in the link, after the #.';
  }
});

async function applyFragment() {
  if (location.hash === lastHash) return;
  lastHash = location.hash;
  const packed = new URLSearchParams(location.hash.slice(1)).get('c');
  if (!packed) return; // an ordinary anchor such as #findings
  const shared = await decodeShared(packed);
  if (!shared) {
    summary.textContent = 'The link does not contain a readable configuration; paste it again.';
    return;
  }
  for (const k of boxKinds) area(k).value = shared[k];
  const postfix = select('postfix');
  if (shared.postfix && [...postfix.options].some((o) => o.value === shared.postfix)) postfix.value = shared.postfix;
  select('compat').value = shared.compat ?? '';
  dropStatus.replaceChildren();
  run();
}

window.addEventListener('hashchange', () => { void applyFragment(); });
// The worker starts with the page, so its script is loaded before anything is pasted (and offline use works).
worker ??= spawn();
void applyFragment();
