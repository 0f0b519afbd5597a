import type { FileKind } from './engine-types.ts';

/**
 * main or master, judged from a file name (a path or a bare name); undefined when the name says neither.
 * Templates of those files count too: main.cf.j2, master.cf.erb, main.cf.tpl, ...
 */
export function kindFromName(path: string): FileKind | undefined {
  const name = (path.split(/[\\/]/).pop() ?? path).toLowerCase();
  const m = /(main|master)\.cf((\.[\w-]+)*\.(j2|jinja2?|erb|tpl|tmpl|template)|\.(in|dist|orig|example))?$/.exec(name);
  if (m) return m[1] === 'main' ? 'main' : 'master';
  return undefined;
}

/** What a pasted or dropped text is: one of the three Postfix files, a mail log, or not text at all. */
export type ContentKind = FileKind | 'log' | 'binary';

/** Labels as the checker shows them. */
export const contentKindLabels: Record<ContentKind, string> = {
  main: 'main.cf', master: 'master.cf', policy: 'a TLS policy table', log: 'a Postfix mail log', binary: 'binary data (not a text file)',
};

/** How much of a text the guess reads: its cost stays the same for a 10-line and a 10-million-line input. */
const SAMPLE_CHARS = 64 * 1024;
const SAMPLE_LINES = 200;

const masterTypes = new Set(['inet', 'unix', 'unix-dgram', 'fifo', 'pass']);
const policyLevels = new Set(['none', 'may', 'encrypt', 'dane', 'dane-only', 'fingerprint', 'verify', 'secure']);
// "Nov 23 18:35:35 host program[pid]: ", an ISO 8601 stamp in its place (rsyslog, journalctl -o short-iso),
// or no stamp at all ("postfix/smtpd[123]: ...", as grep on some systems prints it).
const syslogLine = /^(?:[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*)\s+\S+\s+[\w/.@-]+(?:\[\d+\])?:\s/;
const bareLogLine = /^[\w.-]*postfix[\w/.-]*\[\d+\]:\s/;
/** Terminal colour codes, as `journalctl` or `grep --color=always` leave them in copied lines. */
export const ansi = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** True when the text has bytes no configuration file holds: NUL, or many other control characters. */
export function looksBinary(text: string): boolean {
  const sample = text.slice(0, SAMPLE_CHARS);
  if (sample.includes('\0')) return true;
  // Control characters other than tab, line feed, form feed, carriage return and escape (ANSI colours),
  // and U+FFFD, which a UTF-8 decoder puts where the bytes were not text.
  const odd = sample.match(/[\x01-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f\ufffd]/g)?.length ?? 0;
  return sample.length > 0 && odd / sample.length > 0.02;
}

/** The kind one line speaks for, or undefined for lines that say nothing (blank, comments, continuations). */
function lineKind(line: string): ContentKind | undefined {
  if (line.trim() === '' || /^\s*#/.test(line)) return undefined;
  if (syslogLine.test(line) || bareLogLine.test(line)) return 'log';
  if (/^\s/.test(line)) return /^\s+-o\s/.test(line) ? 'master' : undefined;
  if (/^[A-Za-z0-9_][\w.-]*\s*=/.test(line)) return 'main';
  const fields = line.trim().split(/\s+/);
  if (fields.length >= 8 && masterTypes.has(fields[1] ?? '') && fields.slice(2, 7).every((f) => /^[-yn0-9?]+$/.test(f))) return 'master';
  if (fields.length >= 2 && policyLevels.has((fields[1] ?? '').toLowerCase()) && fields.slice(2).every((f) => f.includes('='))) return 'policy';
  return undefined;
}

/**
 * What a text looks like, from its first lines: the kind most of them speak for (four in five of the lines
 * that say anything), or undefined when the lines disagree or say nothing. Binary data wins outright.
 */
export function kindFromContent(text: string): ContentKind | undefined {
  if (looksBinary(text)) return 'binary';
  const votes = new Map<ContentKind, number>();
  let voted = 0;
  const sample = text.slice(0, SAMPLE_CHARS).split(/\r?\n/);
  // The last sampled line may be cut in the middle; it counts only when the text ends there.
  if (text.length > SAMPLE_CHARS) sample.pop();
  for (const raw of sample) {
    const kind = lineKind(raw.replace(/^\ufeff/, '').replace(ansi, ''));
    if (!kind) continue;
    votes.set(kind, (votes.get(kind) ?? 0) + 1);
    if (++voted >= SAMPLE_LINES) break;
  }
  const [best, count] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [];
  return best && count !== undefined && count >= voted * 0.8 ? best : undefined;
}

/**
 * Which box a dropped file belongs in: by its name when the name says (main.cf, master.cf, a name with
 * "policy" in it), otherwise by its content. A mail log or binary data says so whatever the name.
 */
export function kindOfFile(name: string, text: string): ContentKind | undefined {
  const content = kindFromContent(text);
  if (content === 'log' || content === 'binary') return content;
  const base = (name.split(/[\\/]/).pop() ?? name).toLowerCase();
  return kindFromName(base) ?? (/polic/.test(base) ? 'policy' : undefined) ?? content;
}
