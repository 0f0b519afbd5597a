// The Postfix TLS log explainer: splits pasted text into lines, parses the syslog prefix and matches
// the message part against the log patterns of content/log-patterns/. Pure TypeScript, shared by the
// /explain/ page (in the browser) and the tests; it never throws and never touches the network.
import type { LogPattern } from '../schema/log-pattern.ts';

/** The fields of a log pattern the explainer uses (a full LogPattern fits). */
export type ExplainPattern = Pick<LogPattern, 'id' | 'title' | 'match' | 'severity' | 'explanation' | 'next_steps' | 'parameters'>;

export type Severity = LogPattern['severity'];

/** What the explainer made of one line. */
export type LineKind = 'explained' | 'unrecognised-tls' | 'not-tls' | 'blank';

/** The syslog-style prefix of a line: "Nov 23 18:00:00 mx postfix/smtpd[123]: ". */
export interface LogPrefix {
  /** "Nov 23 18:00:00" or an ISO 8601 timestamp, when present. */
  timestamp?: string;
  /** The host that logged the line, when present. */
  host?: string;
  /** A syslog level some container setups insert ("INFO", "WARNING"), when present. */
  level?: string;
  /** "postfix/smtpd", "postfix/submission/smtpd", ... */
  program: string;
  pid?: number;
}

interface LineBase {
  /** 1-based line number in the pasted text. */
  lineNumber: number;
  /** The line as pasted (without its line break). */
  raw: string;
  /** The parsed prefix, or null when the line has none that looks like syslog. */
  prefix: LogPrefix | null;
  /** The message part: the line after the prefix (the whole line when there is no prefix). */
  message: string;
}

export interface ExplainedMatch extends LineBase {
  kind: 'explained';
  patternId: string;
  title: string;
  severity: Severity;
  /** The explanation (Markdown) with {placeholders} filled in; nothing is escaped. */
  explanation: string;
  /** The explanation as written in the pattern, placeholders intact (for safe rendering). */
  explanationTemplate: string;
  /** Next steps with placeholders filled in. */
  nextSteps: string[];
  /** Next steps as written in the pattern. */
  nextStepsTemplates: string[];
  parameters: string[];
  /** Named groups of the match that took part in it. */
  fields: Record<string, string>;
}

export interface UnexplainedLine extends LineBase {
  kind: 'unrecognised-tls' | 'not-tls' | 'blank';
}

export type ExplainedLine = ExplainedMatch | UnexplainedLine;

/** Longest message part matched against patterns; Postfix log records are far shorter. */
export const MAX_MATCH_CHARS = 8192;

const SYSLOG_TIME = String.raw`[A-Z][a-z]{2} {1,2}\d{1,2} \d{1,2}:\d{2}:\d{2}`;
const ISO_TIME = String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?`;
const PREFIX_RE = new RegExp(
  String.raw`^(?:(?<timestamp>${SYSLOG_TIME}|${ISO_TIME})\s+)?` +
  String.raw`(?:(?<host>[^\s\[\]]+)\s+)?` +
  String.raw`(?:(?<level>DEBUG|INFO|NOTICE|WARN(?:ING)?|ERR(?:OR)?|CRIT|ALERT|EMERG)\s+)?` +
  String.raw`(?<program>[A-Za-z0-9_.\/-]+)\[(?<pid>\d{1,10})\]:(?: |$)`,
);
const LEVELS = new Set(['DEBUG', 'INFO', 'NOTICE', 'WARN', 'WARNING', 'ERR', 'ERROR', 'CRIT', 'ALERT', 'EMERG']);

/** Parses the syslog/maillog prefix of a line; returns null when there is none. */
export function parsePrefix(line: string): { prefix: LogPrefix; message: string } | null {
  const m = PREFIX_RE.exec(line.slice(0, 512));
  if (!m?.groups) return null;
  const g = m.groups;
  const prefix: LogPrefix = { program: g.program! };
  if (g.timestamp) prefix.timestamp = g.timestamp;
  let host: string | undefined = g.host;
  let level: string | undefined = g.level;
  // "2023-12-30T21:20:26+00:00 INFO    postfix/smtpd[481]:" (container logs): the word is a level, not a host.
  if (host && !level && LEVELS.has(host)) {
    level = host;
    host = undefined;
  }
  if (host) prefix.host = host;
  if (level) prefix.level = level;
  const pid = Number(g.pid);
  if (Number.isSafeInteger(pid)) prefix.pid = pid;
  return { prefix, message: line.slice(m[0].length) };
}

// Words that make a line "about TLS". Underscores count as separators (smtpd_tls_CAfile) but
// letters do not (so "tlsmgr" and "postscreen" do not match by accident; they have their own entries).
const TLS_WORDS = new RegExp(
  [
    String.raw`(?<![A-Za-z])(?:start)?tls(?:v\d(?:\.\d)?)?(?![A-Za-z])`,
    String.raw`(?<![A-Za-z])(?:open)?ssl(?:v\d)?(?![A-Za-z])`,
    String.raw`(?<![A-Za-z])(?:tlsmgr|tlsproxy|posttls-finger|tlsa|dane)(?![A-Za-z])`,
    String.raw`certificat|\bcert(?:_file)?\b|\bcipher|\bhandshake|\bx509|fingerprint|\bCA(?:file|path)\b|wrapper-?mode|\bsmtps\b|\bpkey`,
  ].join('|'),
  'i',
);

/** True when a message (or the program that logged it) is about TLS. */
export function isTlsRelated(message: string, program?: string): boolean {
  if (program && /(?:^|\/)(?:tlsmgr|tlsproxy|posttls-finger)$/.test(program)) return true;
  return TLS_WORDS.test(message.slice(0, MAX_MATCH_CHARS));
}

interface CompiledPattern {
  pattern: ExplainPattern;
  re: RegExp;
  groupNames: Set<string>;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function groupNamesOf(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)) names.add(m[1]!);
  return names;
}

/** Compiles patterns once; patterns whose regex does not compile are skipped, never thrown. */
export function compilePatterns(patterns: readonly ExplainPattern[]): CompiledPattern[] {
  const compiled: CompiledPattern[] = [];
  for (const pattern of patterns) {
    try {
      compiled.push({ pattern, re: new RegExp(pattern.match), groupNames: groupNamesOf(pattern.match) });
    } catch {
      // A broken pattern must not take the whole page down; the content lint reports it.
    }
  }
  return compiled;
}

/** Replaces {name} by the named group's value; unknown names and groups that did not match stay as written. */
export function fillPlaceholders(template: string, fields: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(fields, name) ? fields[name]! : whole));
}

/** Splits text into lines on LF, CRLF or CR. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function explainOne(raw: string, lineNumber: number, compiled: readonly CompiledPattern[]): ExplainedLine {
  const parsed = parsePrefix(raw);
  const prefix = parsed?.prefix ?? null;
  const message = parsed ? parsed.message : raw;
  const base: LineBase = { lineNumber, raw, prefix, message };
  if (raw.trim() === '') return { ...base, kind: 'blank' };
  const subject = message.trim().slice(0, MAX_MATCH_CHARS);
  for (const { pattern, re, groupNames } of compiled) {
    const m = re.exec(subject);
    if (!m) continue;
    const fields: Record<string, string> = {};
    for (const name of groupNames) {
      const value = m.groups?.[name];
      if (value !== undefined) fields[name] = value;
    }
    const nextStepsTemplates = [...(pattern.next_steps ?? [])];
    return {
      ...base,
      kind: 'explained',
      patternId: pattern.id,
      title: pattern.title,
      severity: pattern.severity,
      explanation: fillPlaceholders(pattern.explanation, fields),
      explanationTemplate: pattern.explanation,
      nextSteps: nextStepsTemplates.map((s) => fillPlaceholders(s, fields)),
      nextStepsTemplates,
      parameters: [...(pattern.parameters ?? [])],
      fields,
    };
  }
  return { ...base, kind: isTlsRelated(subject, prefix?.program) ? 'unrecognised-tls' : 'not-tls' };
}

/**
 * Terminal colour codes (ESC [ ... letter), which `journalctl`, `grep --color=always` and `ccze` leave in
 * copied lines; Postfix itself never writes them.
 */
const ANSI_ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Returns an explainer bound to compiled patterns (compile once, explain on every keystroke). */
export function createExplainer(patterns: readonly ExplainPattern[]): (text: string) => ExplainedLine[] {
  const compiled = compilePatterns(patterns);
  return (text) => {
    const lines = splitLines((typeof text === 'string' ? text : String(text ?? '')).replace(ANSI_ESCAPES, ''));
    return lines.map((line, i) => explainOne(line, i + 1, compiled));
  };
}

/**
 * Explains every line of `text`: one result per line (LF, CRLF or CR separated), in order. Each line is
 * matched against the patterns in the order given; the first match wins.
 */
export function explainLog(text: string, patterns: readonly ExplainPattern[]): ExplainedLine[] {
  return createExplainer(patterns)(text);
}

export interface ExplainSummary {
  lines: number;
  explained: number;
  unrecognised: number;
  notTls: number;
  blank: number;
  bySeverity: Record<Severity, number>;
}

/** Counts results by kind and severity. */
export function summarise(results: readonly ExplainedLine[]): ExplainSummary {
  const s: ExplainSummary = { lines: results.length, explained: 0, unrecognised: 0, notTls: 0, blank: 0, bySeverity: { ok: 0, info: 0, warning: 0, error: 0 } };
  for (const r of results) {
    if (r.kind === 'explained') {
      s.explained++;
      s.bySeverity[r.severity]++;
    } else if (r.kind === 'unrecognised-tls') s.unrecognised++;
    else if (r.kind === 'not-tls') s.notTls++;
    else s.blank++;
  }
  return s;
}
