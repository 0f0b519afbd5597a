// The /generate/ page in the browser. As on /check/, the engine runs in a Web Worker (src/lib/generate/worker.ts)
// loaded with the page, so the page keeps working offline and never fetches anything after loading; answers to
// anything but the newest request are dropped.
//
// The choices live in the URL fragment (#roles=mx,submission&postfix=3.11…), not in the query string: a fragment
// is never sent to a server, so neither a shared link nor a reload tells the site which host names or smart host
// a reader uses, and history.replaceState changes it without any request. Pasted configurations are not put in
// the link at all.
import type { CheckAnswer } from '../lib/checker/run.ts';
import type { GenerateOptions, GenerateResult } from '../lib/generate/index.ts';
import type { FromWorker, MigrationAnswer, ToWorker } from '../lib/generate/worker.ts';
import { el, findingItem } from './finding-item.ts';

const DEBOUNCE_MS = 300;
const form = document.getElementById('generator') as HTMLFormElement;
const migration = document.getElementById('migration') as HTMLFormElement;
const refusal = document.getElementById('refusal')!;
const summary = document.getElementById('gen-summary')!;
const factsJson = document.getElementById('facts-data')!.textContent!;
const field = (n: string) => form.elements.namedItem(n) as HTMLSelectElement | HTMLInputElement;
const roleBoxes = () => [...form.querySelectorAll<HTMLInputElement>('input[name=role]')];

/** Form fields kept in the fragment, with the value that is left out of it. */
const defaults: Record<string, string> = { roles: 'mx,submission', postfix: field('postfix').value, compat: '', openssl: '3.0', certs: 'letsencrypt', profile: 'compatible', relayhost: '', hostname: '' };

// ---- the worker ----

let worker: Worker | undefined;
const latest = { generate: 0, migrate: 0 };
let seq = 0;

function spawn(): Worker {
  const w = new Worker(new URL('../lib/generate/worker.ts', import.meta.url), { type: 'module' });
  w.postMessage({ type: 'facts', json: factsJson } satisfies ToWorker);
  w.addEventListener('message', (e: MessageEvent<FromWorker>) => onMessage(e.data));
  w.addEventListener('error', () => { summary.textContent = 'The generator could not start in this browser; reload the page to try again.'; });
  return w;
}

function post(msg: ToWorker) {
  worker ??= spawn();
  worker.postMessage(msg);
}

function onMessage(msg: FromWorker) {
  if (msg.type === 'error') {
    if (msg.id !== latest[msg.kind]) return;
    (msg.kind === 'generate' ? summary : migSummary).textContent = `Something went wrong: ${msg.error}`;
    if (msg.kind === 'generate') summary.removeAttribute('data-busy');
    return;
  }
  if (msg.type === 'generated') { if (msg.id === latest.generate) renderGenerated(msg.result); return; }
  if (msg.id === latest.migrate) renderMigration(msg.answer);
}

// ---- the choices: form ⇄ options ⇄ fragment ----

function state(): Record<string, string> {
  const s: Record<string, string> = { roles: roleBoxes().filter((b) => b.checked).map((b) => b.value).join(',') };
  for (const k of ['postfix', 'compat', 'openssl', 'certs', 'profile', 'relayhost', 'hostname']) s[k] = field(k).value.trim();
  return s;
}

function optionsOf(s: Record<string, string>): GenerateOptions {
  const roles = s.roles ? s.roles.split(',') : [];
  return {
    roles, postfix: s.postfix!,
    // The migration keeps the level the pasted main.cf sets unless one is chosen here.
    compatibilityLevel: s.compat || undefined,
    openssl: s.openssl, certificates: s.certs, profile: s.profile,
    // The smart host is only read with the relay role; typed for it and then unticked, it is simply not used.
    relayhost: roles.includes('relay') && s.relayhost ? s.relayhost : undefined,
    hostname: s.hostname || undefined,
  };
}

/** The fragment this page wrote last; a hashchange to anything else is a link to apply. */
let lastHash = '';

function writeFragment(s: Record<string, string>) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) if (v !== defaults[k]) params.set(k, v);
  const hash = [...params].length ? `#${params}` : '';
  if (hash === location.hash || (!hash && !location.hash)) { lastHash = location.hash; return; }
  // replaceState: the address changes, nothing is requested and no history entry piles up per click.
  history.replaceState(null, '', location.pathname + location.search + hash);
  lastHash = location.hash;
}

function applyFragment() {
  if (location.hash === lastHash) return;
  lastHash = location.hash;
  const params = new URLSearchParams(location.hash.slice(1));
  const known = Object.keys(defaults);
  if (![...params.keys()].some((k) => known.includes(k))) return; // an ordinary anchor such as #migrate
  const s = { ...defaults };
  for (const k of known) { const v = params.get(k); if (v !== null) s[k] = v; }
  const chosen = s.roles!.split(',');
  for (const b of roleBoxes()) b.checked = chosen.includes(b.value);
  for (const k of known.filter((x) => x !== 'roles')) {
    const f = field(k);
    if (f instanceof HTMLSelectElement && ![...f.options].some((o) => o.value === s[k])) continue;
    f.value = s[k]!;
  }
  update();
}

// ---- generating ----

function update() {
  const s = state();
  writeFragment(s);
  summary.setAttribute('data-busy', '');
  summary.textContent = 'Generating…';
  latest.generate = ++seq;
  post({ type: 'generate', id: seq, options: optionsOf(s) });
  if (migMain.value.trim()) scheduleMigration();
}

let current: GenerateResult | undefined;

const comment = (text: string) => el('span', { className: 'c' }, `# ${text}`);
const nameLink = (name: string, href: string) => el('a', { href }, name);

function renderGenerated(r: GenerateResult) {
  current = r;
  summary.removeAttribute('data-busy');
  showRefusal(refusal, r.errors, 'This combination cannot work:');
  const compatLabel = (field('compat') as HTMLSelectElement).options[0]!;
  if (r.version) compatLabel.textContent = `the release's own (${r.compatibilitySource === 'fresh-install' ? r.compatibilityLevel : freshLevel(r.version)})`;
  const links = new Map<string, string>();
  for (const s of r.main) links.set(s.name, s.link);
  for (const m of r.master) for (const o of m.overrides) links.set(o.name, o.link);

  const main = document.createDocumentFragment();
  for (const s of r.main) main.append(comment(s.comment), '\n', nameLink(s.name, s.link), s.value === '' ? ' =' : ` = ${s.value}`, '\n');
  const master = document.createDocumentFragment();
  for (const m of r.master) {
    master.append(comment(m.comment), '\n', m.line, '\n');
    // master.cf has no end-of-line comments (a "#" after -o would reach the command as an argument), so each
    // override's reason goes on its own comment line, which master(5) skips inside an entry.
    for (const o of m.overrides) master.append('  ', comment(o.comment), '\n  -o ', nameLink(o.name, o.link), `=${o.value}`, '\n');
  }
  const postconf = document.createDocumentFragment();
  for (const line of r.postconf) postconf.append(...commandLine(line, links), '\n');
  fill('main', main, r.main.length ? '' : r.errors.length ? '' : 'Nothing to set in main.cf.');
  fill('master', master, r.errors.length ? '' : 'No master.cf services for these roles: the stock ones do.');
  fill('postconf', postconf, '');

  const why = document.getElementById('why-list')!;
  why.replaceChildren(...r.whyNot.flatMap((w) => [el('dt', {}, el('a', { href: w.link }, w.topic)), el('dd', {}, w.reason)]));
  document.getElementById('note-list')!.replaceChildren(...r.notes.map((n) => el('li', {}, forPage(n))));
  summary.textContent = r.errors.length ? 'No output: see the reasons above.'
    : `Postfix ${r.version} at compatibility_level ${r.compatibilityLevel}: ${r.main.length} main.cf ${r.main.length === 1 ? 'setting' : 'settings'}, ${r.master.length} master.cf ${r.master.length === 1 ? 'service' : 'services'}; every default is left out.`;
}

/** The engine's notes name the command-line options; on this page the same choices are form fields. */
const forPage = (note: string) => note.replace('with --hostname', 'in the Host name field').replace('with --relayhost', 'in the Relay host field');

/** Postfix 3.4 and 3.5 install level 2; later releases their own line. */
const freshLevel = (version: string) => { const [a, b] = version.split('.').map(Number); return a === 3 && (b ?? 0) < 6 ? '2' : `${a}.${b}`; };

/** A postconf line with the parameter it sets linked; comment lines greyed. */
function commandLine(line: string, links: Map<string, string>): (Node | string)[] {
  if (line.startsWith('#')) return [el('span', { className: 'c' }, line)];
  const m = /^(postconf -(?:e|X|P|PX) '?(?:[\w.:-]+\/[\w-]+\/)?)([A-Za-z_][\w]*)(.*)$/.exec(line);
  if (!m || !links.has(m[2]!)) return [line];
  return [m[1]!, nameLink(m[2]!, links.get(m[2]!)!), m[3]!];
}

function fill(id: string, content: DocumentFragment, empty: string) {
  const code = document.querySelector(`#out-${id} code`)!;
  if (content.childNodes.length) code.replaceChildren(content);
  else code.replaceChildren(empty ? comment(empty) : '');
}

function showRefusal(box: HTMLElement, errors: readonly string[], lead: string) {
  if (!errors.length) { box.replaceChildren(); return; }
  box.replaceChildren(el('p', {}, el('strong', {}, lead)), el('ul', {}, ...errors.map((e) => el('li', {}, e))));
}

// ---- migration ----

const migMain = document.getElementById('mig-main') as HTMLTextAreaElement;
const migMaster = document.getElementById('mig-master') as HTMLTextAreaElement;
const migSummary = document.getElementById('mig-summary')!;
const migRefusal = document.getElementById('mig-refusal')!;
const migDetected = document.getElementById('mig-detected')!;
let migTimer: ReturnType<typeof setTimeout> | undefined;
let migrationScript = '';
let migrationCommands = '';

function scheduleMigration() {
  clearTimeout(migTimer);
  migSummary.setAttribute('data-busy', '');
  migTimer = setTimeout(runMigration, DEBOUNCE_MS);
}

function runMigration() {
  clearTimeout(migTimer);
  if (!migMain.value.trim()) {
    latest.migrate = ++seq;
    migrationScript = '';
    migrationCommands = '';
    migSummary.removeAttribute('data-busy');
    migSummary.textContent = 'Paste a main.cf to get the commands.';
    migRefusal.replaceChildren();
    migDetected.hidden = true;
    fill('migration', document.createDocumentFragment(), '');
    document.getElementById('mig-notes')!.replaceChildren();
    renderFindings(undefined);
    return;
  }
  latest.migrate = ++seq;
  post({ type: 'migrate', id: seq, options: optionsOf(state()), main: migMain.value, master: migMaster.value });
}

function renderMigration(a: MigrationAnswer) {
  const m = a.migration;
  migSummary.removeAttribute('data-busy');
  showRefusal(migRefusal, m.errors, 'No commands:');
  const links = new Map(m.steps.flatMap((s) => (s.link && 'name' in s.op ? [[s.op.name, s.link] as const] : [])));
  const out = document.createDocumentFragment();
  for (const s of m.steps) out.append(comment(s.comment), '\n', ...commandLine(s.command, links), '\n');
  migrationCommands = m.script;
  migrationScript = m.steps.length ? `#!/bin/sh\n# Generated for Postfix ${m.generated.version}, roles ${m.generated.roles.join(', ')}.\nset -e\n${m.script}postfix check\n` : '';
  fill('migration', out, m.errors.length ? '' : 'No commands: nothing differs.');
  document.getElementById('mig-notes')!.replaceChildren(...m.notes.map((n) => el('li', {}, forPage(n))));
  migSummary.textContent = m.errors.length ? 'See the reason above.'
    : `${m.steps.length} ${m.steps.length === 1 ? 'command' : 'commands'} for Postfix ${m.generated.version}, roles ${m.generated.roles.join(', ')}. Run postfix check, then postfix reload.`;
  const chosen = state().roles;
  if (a.detected.roles.length && a.detected.roles.join(',') !== chosen) {
    const use = el('button', { type: 'button' }, 'Use these roles');
    use.addEventListener('click', () => {
      for (const b of roleBoxes()) b.checked = a.detected.roles.includes(b.value as never);
      if (a.detected.relayhost) field('relayhost').value = a.detected.relayhost;
      update();
    });
    migDetected.replaceChildren(`This configuration looks like: ${a.detected.roles.join(', ')}. `, use);
    migDetected.hidden = false;
  } else migDetected.hidden = true;
  renderFindings(a.check);
}

function renderFindings(c: CheckAnswer | undefined) {
  const list = document.getElementById('mig-findings')!;
  const text = document.getElementById('mig-findings-summary')!;
  list.replaceChildren(...(c?.findings ?? []).map(findingItem));
  if (!c) { text.textContent = 'None yet.'; return; }
  text.textContent = c.total === 0 ? 'No findings on the current configuration.'
    : `${c.total} ${c.total === 1 ? 'finding' : 'findings'}: ${c.counts.error} error(s), ${c.counts.warning} warning(s), ${c.counts.info} info${c.total > c.findings.length ? `; the first ${c.findings.length} are listed` : ''}.`;
}

// ---- copy and download ----

/** What a copy button puts on the clipboard, or a download button saves: the postconf commands as they are, or as a script. */
const textOf = (id: string, download: boolean): string => {
  if (id === 'migration') return download ? migrationScript : migrationCommands;
  if (!current || current.errors.length) return '';
  if (id === 'main') return current.mainCf;
  if (id === 'master') return current.masterCf;
  if (!download) return `${current.postconf.join('\n')}\n`;
  return `#!/bin/sh\n# TLS settings for Postfix ${current.version}, roles ${current.roles.join(', ')}.\nset -e\n${current.postconf.join('\n')}\npostfix check\n`;
};

document.addEventListener('click', async (e) => {
  const button = (e.target as Element | null)?.closest?.('button[data-copy], button[data-download]') as HTMLButtonElement | null;
  if (!button) return;
  const id = button.dataset.copy ?? button.dataset.download!;
  const status = document.getElementById(`status-${id}`)!;
  const text = textOf(id, !button.dataset.copy);
  if (!text) { status.textContent = 'Nothing to copy yet.'; return; }
  if (button.dataset.copy) {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Copied.';
    } catch {
      status.textContent = 'The browser did not allow copying; select the text instead.';
    }
    return;
  }
  // A blob: address is made in the page itself; the download needs no network.
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = el('a', { href: url, download: button.dataset.file! });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status.textContent = `Saved as ${button.dataset.file}.`;
});

document.getElementById('share')!.addEventListener('click', async () => {
  const status = document.getElementById('share-status')!;
  writeFragment(state());
  try {
    await navigator.clipboard.writeText(location.href);
    status.textContent = 'Link copied. The choices are in the link, after the #.';
  } catch {
    status.textContent = 'Copy the address bar: the choices are in the link, after the #.';
  }
});

// ---- events ----

let timer: ReturnType<typeof setTimeout> | undefined;
form.addEventListener('change', update);
// Typing in the text fields: generate once the typing pauses.
form.addEventListener('input', (e) => { if ((e.target as Element).matches('input[type=text]')) { clearTimeout(timer); timer = setTimeout(update, DEBOUNCE_MS); } });
form.addEventListener('submit', (e) => { e.preventDefault(); update(); });
migration.addEventListener('input', scheduleMigration);
migration.addEventListener('submit', (e) => { e.preventDefault(); runMigration(); });
window.addEventListener('hashchange', applyFragment);

worker ??= spawn();
if (location.hash) applyFragment();
if (!current && latest.generate === 0) update();
