import type { ParseProblem, Position } from '../engine-types.ts';
import { logicalLines, positionIn, tokenize, type LogicalLine, type Token } from './logical-lines.ts';
import type { Assignment } from './main-cf.ts';
import { prepareSource, type SourceView } from './source-view.ts';
import { PLACEHOLDER, type BranchPath } from './templates.ts';

/** A master.cf field with its position in the file. */
export interface Field extends Position {
  /** The text the parser read (template output replaced by placeholder characters). */
  text: string;
  /** The text as written in the file. */
  raw: string;
}

/** One master.cf service entry (a logical line). */
export interface ServiceEntry {
  file: string;
  name: Field;
  type: Field;
  private: Field;
  unpriv: Field;
  chroot: Field;
  wakeup: Field;
  maxproc: Field;
  command: Field;
  /** Everything after the command, as written. */
  args: Field[];
  /** `-o name=value` and `-o { name = value }` overrides, in order. */
  overrides: Assignment[];
  /** Some field is template output, so field checks are skipped. */
  templated: boolean;
  branch: BranchPath;
  /** "name/type", the identity master(8) uses. */
  key: string;
}

export interface MasterCf {
  file: string;
  services: ServiceEntry[];
  problems: ParseProblem[];
  templatedLines: number[];
  view: SourceView;
}

export const serviceTypes = ['inet', 'unix', 'unix-dgram', 'fifo', 'pass'] as const;
const booleanFields = ['private', 'unpriv', 'chroot'] as const;
const fieldNames = ['service', 'type', 'private', 'unpriv', 'chroot', 'wakeup', 'maxproc', 'command'] as const;

export function parseMasterCf(text: string, file = 'master.cf'): MasterCf {
  const view = prepareSource(text, 'master');
  const problems: ParseProblem[] = [];
  const services: ServiceEntry[] = [];
  const templatedLines: number[] = [];

  for (const ll of logicalLines(view.lines)) {
    const posOf = (offset: number) => positionIn(ll, offset, view.toOriginal);
    if (ll.orphan) {
      if (ll.text.includes(PLACEHOLDER)) { templatedLines.push(ll.line); continue; }
      const col = ll.text.search(/\S/);
      problems.push({
        ...posOf(col), code: 'orphan-continuation', parameter: null,
        message: 'This line starts with whitespace but there is no service above it to continue; Postfix ignores it ("logical line must not start with whitespace").',
        fix: 'Put it directly under the service it belongs to, or remove the leading whitespace if it starts a new service.',
      });
      continue;
    }
    const tokens = tokenize(ll.text, {
      onUnbalanced: (offset) => problems.push({
        ...posOf(offset), code: 'unclosed-brace', parameter: null,
        message: 'This "{" is never closed, so Postfix cannot tell where the option ends.',
        fix: 'Close the group with "}", as in -o { name = value }.',
      }),
    });
    const field = (t: Token | undefined): Field => {
      if (!t) return { text: '', raw: '', ...posOf(ll.text.length) };
      const pos = posOf(t.offset);
      const raw = t.text.includes(PLACEHOLDER) ? view.originalSlice(pos.line, pos.column, t.text.length) : t.text;
      return { text: t.text, raw, ...pos };
    };
    const fields = tokens.slice(0, 8).map(field);
    const templated = tokens.slice(0, 8).some((t) => t.text.includes(PLACEHOLDER));
    if (tokens.length < 8) {
      if (templated || ll.text.includes(PLACEHOLDER)) { templatedLines.push(ll.line); continue; }
      const missing = fieldNames.slice(tokens.length).join(', ');
      problems.push({
        ...posOf(ll.text.search(/\S/)), code: 'field-count', parameter: null,
        message: `A service line needs 8 fields (service, type, private, unpriv, chroot, wakeup, maxproc, command); this one stops before ${missing}. Postfix stops with "bad field count".`,
        fix: 'Fill in every field; use "-" for the default value.',
      });
      continue;
    }
    const [name, type, priv, unpriv, chroot, wakeup, maxproc, command] = fields as [Field, Field, Field, Field, Field, Field, Field, Field];
    const entry: ServiceEntry = {
      file, name, type, private: priv, unpriv, chroot, wakeup, maxproc, command,
      args: tokens.slice(8).map(field), overrides: [], templated,
      branch: view.branches[ll.line - 1] ?? [], key: `${name.text}/${type.text}`,
    };
    if (!templated) checkFields(entry, problems);
    readOverrides(entry, tokens.slice(8), ll, view, problems);
    services.push(entry);
  }
  return { file, services, problems, templatedLines, view };
}


function checkFields(s: ServiceEntry, problems: ParseProblem[]): void {
  const bad = (code: string, f: Field, message: string, fix: string) => problems.push({ line: f.line, column: f.column, code, parameter: null, message, fix });
  if (!(serviceTypes as readonly string[]).includes(s.type.text)) {
    bad('service-type', s.type, `"${s.type.text}" is not a service type; Postfix stops with "invalid type field".`,
      `Use one of ${serviceTypes.join(', ')}.`);
  }
  for (const key of booleanFields) {
    const f = s[key];
    if (!['y', 'n', '-'].includes(f.text)) {
      const guess = /^(yes|true|1)$/i.test(f.text) ? 'y' : /^(no|false|0)$/i.test(f.text) ? 'n' : undefined;
      bad('boolean-field', f, `The ${key} field takes y, n or -, not "${f.text}"; Postfix stops with "invalid ${key === 'unpriv' ? 'unprivileged' : key} field".`,
        guess ? `Write "${guess}".` : 'Write y, n, or - for the default.');
    }
  }
  if (s.type.text === 'inet' && s.private.text === 'y') {
    bad('inet-private', s.private, 'An inet service cannot be private; the master daemon stops with "inet service cannot be private".',
      'Write "n" in the private field of inet services.');
  }
  if (!/^(-|\d+\??)$/.test(s.wakeup.text)) {
    bad('wakeup-field', s.wakeup, `The wakeup field takes a number of seconds (optionally followed by "?") or -, not "${s.wakeup.text}"; the master daemon stops with a fatal "bad value" error for field wakeup_time.`,
      'Write e.g. 60, 1000? or -.');
  }
  if (!/^(-|\d+)$/.test(s.maxproc.text)) {
    bad('maxproc-field', s.maxproc, `The maxproc field takes a process limit (0 for no limit) or -, not "${s.maxproc.text}"; the master daemon stops with a fatal "bad value" error for field max_proc.`,
      'Write a number such as 100, 0 or -.');
  }
}

function readOverrides(s: ServiceEntry, args: Token[], ll: LogicalLine, view: SourceView, problems: ParseProblem[]): void {
  const posOf = (offset: number) => positionIn(ll, offset, view.toOriginal);
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (!t) continue;
    // pipe(8) and spawn(8) pass everything after argv= to another program; "-oi" there is sendmail's.
    if (t.text.startsWith('argv=')) return;
    if (!t.text.startsWith('-o')) continue;
    let arg: Token | undefined;
    if (t.text === '-o') {
      arg = args[i + 1];
      i++;
      if (!arg) {
        problems.push({
          ...posOf(t.offset), code: 'option-without-value', parameter: null,
          message: '"-o" at the end of the line has no name=value after it; the service fails at start-up.',
          fix: 'Write -o name=value, or delete the "-o".',
        });
        return;
      }
    } else {
      arg = { text: t.text.slice(2), offset: t.offset + 2 };
    }
    if (arg.text.includes(PLACEHOLDER) && !arg.text.includes('=')) continue;
    let body = arg.text;
    let bodyOffset = arg.offset;
    if (body.startsWith('{')) {
      const inner = body.slice(1, body.endsWith('}') ? -1 : undefined);
      const lead = inner.search(/\S|$/);
      body = inner.trim();
      bodyOffset = arg.offset + 1 + lead;
    }
    const eq = body.indexOf('=');
    if (eq <= 0) {
      const next = args[i + 1];
      const spaced = next?.text.startsWith('=');
      problems.push({
        ...posOf(arg.offset), code: 'option-without-equals', parameter: /^[a-z][a-z0-9_]*$/.test(body) ? body : null,
        message: spaced
          ? `"-o ${body}" is followed by a separate "=": master.cf splits options at whitespace, so the service gets "-o ${body}" without a value and fails at start-up.`
          : `"-o ${arg.text}" has no "=": an override needs name=value; the service fails at start-up.`,
        fix: spaced
          ? `Write -o ${body}=${(next?.text.slice(1) || args[i + 2]?.text) ?? 'value'} without spaces, or -o { ${body} = value }.`
          : 'Write -o name=value.',
      });
      continue;
    }
    const name = body.slice(0, eq).trim();
    const rawValue = body.slice(eq + 1);
    const lead = rawValue.search(/\S|$/);
    const value = rawValue.trim().replace(/\s+/g, ' ');
    const nameOffset = bodyOffset;
    const valueOffset = bodyOffset + eq + 1 + lead;
    const namePos = posOf(nameOffset);
    const valuePos = posOf(valueOffset);
    s.overrides.push({
      file: s.file, name, value,
      line: namePos.line, column: namePos.column, valueLine: valuePos.line, valueColumn: valuePos.column,
      nameTemplated: name.includes(PLACEHOLDER), valueTemplated: value.includes(PLACEHOLDER),
      branch: view.branches[namePos.line - 1] ?? s.branch, source: 'override', service: s.key,
      positionOf: (offset: number) => posOf(valueOffset + offset),
    });
  }
}
