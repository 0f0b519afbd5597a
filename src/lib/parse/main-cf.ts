import type { ParseProblem, Position } from '../engine-types.ts';
import { logicalLines, positionIn, type LogicalLine } from './logical-lines.ts';
import { findReferences } from './references.ts';
import { prepareSource, type SourceView } from './source-view.ts';
import { PLACEHOLDER, type BranchPath } from './templates.ts';

/**
 * One `name = value` setting, from main.cf or from a master.cf `-o` override, with the exact position of
 * its name and of every character of its value.
 */
export interface Assignment {
  file: string;
  name: string;
  /** The value as Postfix reads it: continuation lines joined with single spaces, ends trimmed. */
  value: string;
  /** Position of the name. */
  line: number;
  column: number;
  /** Position of the value's first character (just after `=` when the value is empty). */
  valueLine: number;
  valueColumn: number;
  nameTemplated: boolean;
  valueTemplated: boolean;
  branch: BranchPath;
  source: 'main' | 'override';
  /** Set for overrides: the service they belong to, as "name/type". */
  service?: string;
  /** Set when a template macro such as salt's `set_parameter('x', 'default')` produced the line. */
  viaMacro?: boolean;
  /** Position of the character at `offset` in `value`. */
  positionOf(offset: number): Position;
}

export interface MainCf {
  file: string;
  assignments: Assignment[];
  problems: ParseProblem[];
  /** Logical lines that are template output we cannot read (e.g. `{{ raw_option }}`). */
  templatedLines: number[];
  view: SourceView;
}

/** A stretch of a value that comes from one physical line: value[offset..] starts at line:column. */
interface Run {
  offset: number;
  line: number;
  /** 1-based column in parser coordinates. */
  column: number;
}

/**
 * Builds a value the way Postfix joins continuation lines (leading whitespace of a continuation becomes
 * one space) and remembers, per physical line, where its characters came from.
 */
export function joinValue(ll: LogicalLine, fromOffset: number): { value: string; runs: Run[] } {
  let value = '';
  const runs: Run[] = [];
  ll.segments.forEach((seg, i) => {
    const segOffset = ll.offsets[i] ?? 0;
    let startInSeg = Math.max(0, fromOffset - segOffset);
    if (startInSeg > seg.text.length) return;
    if (i > 0 && fromOffset < segOffset) {
      while (startInSeg < seg.text.length && /\s/.test(seg.text[startInSeg] ?? '')) startInSeg++;
      // The joining space belongs to the position of the continuation's first character.
      if (value !== '') { runs.push({ offset: value.length, line: seg.line, column: Math.max(1, seg.start + startInSeg) }); value += ' '; }
    }
    runs.push({ offset: value.length, line: seg.line, column: seg.start + startInSeg + 1 });
    value += seg.text.slice(startInSeg);
  });
  // Postfix trims both ends of a value.
  const lead = value.length - value.trimStart().length;
  const trimmed = value.trim();
  return { value: trimmed, runs: runs.map((r) => ({ ...r, offset: r.offset - lead })) };
}

/** Position (in the original file) of the character at `offset` of a joined value. */
export function runLookup(runs: readonly Run[], view: SourceView, length: number, fallback: Position): (offset: number) => Position {
  return (offset: number) => {
    if (length === 0 || runs.length === 0) return fallback;
    const o = Math.min(Math.max(offset, 0), length - 1);
    let run = runs[0] as Run;
    for (const r of runs) { if (r.offset <= o) run = r; else break; }
    // A run that starts before the trimmed value (leading blanks) still maps by its own offset.
    const p = view.toOriginal(run.line, run.column + (o - run.offset));
    return offset >= length ? { line: p.line, column: p.column + (offset - length + 1) } : p;
  };
}

/** Salt-style `{{ set_parameter('name', 'default') }}`: a macro call that writes `name = default`. */
const macroCall = /^\{\{-?\s*[A-Za-z_][\w.]*\(\s*(['"])([a-z][a-z0-9_]*)\1\s*(?:,\s*([\s\S]*?))?\)\s*-?\}\}$/;

function literalDefault(arg: string | undefined): string | undefined {
  if (arg === undefined) return undefined;
  const a = arg.trim();
  const str = /^(['"])(.*)\1$/.exec(a);
  if (str) return str[2] ?? '';
  if (/^-?\d+$/.test(a)) return a;
  const list = /^\[(.*)\]$/.exec(a);
  if (list) {
    const items = (list[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const strs = items.map((s) => /^(['"])(.*)\1$/.exec(s)?.[2]);
    if (strs.every((s) => s !== undefined)) return strs.join(', ');
  }
  return undefined;
}

export function parseMainCf(text: string, file = 'main.cf'): MainCf {
  const view = prepareSource(text, 'main');
  const problems: ParseProblem[] = [];
  const assignments: Assignment[] = [];
  const templatedLines: number[] = [];
  const at = (line: number, col0: number) => view.toOriginal(line, col0 + 1);

  for (const ll of logicalLines(view.lines)) {
    const first = ll.segments[0];
    if (!first) continue;
    if (ll.orphan) {
      if (first.text.includes(PLACEHOLDER)) { templatedLines.push(ll.line); continue; }
      const col = first.text.search(/\S/);
      problems.push({
        ...at(ll.line, col), code: 'orphan-continuation', parameter: null,
        message: 'This line starts with whitespace but there is no setting above it to continue; Postfix ignores it ("logical line must not start with whitespace").',
        fix: 'Remove the leading whitespace, or move the line under the setting it continues.',
      });
      continue;
    }
    const eq = ll.text.indexOf('=');
    const namePart = eq < 0 ? ll.text : ll.text.slice(0, eq);
    const trimmedName = namePart.trim();
    const templatedName = namePart.includes(PLACEHOLDER);
    const branch = view.branches[ll.line - 1] ?? [];

    if (eq < 0 || /\s/.test(trimmedName) || trimmedName === '') {
      if (templatedName || (eq < 0 && ll.text.includes(PLACEHOLDER))) {
        const macro = macroAssignment(ll, view, file, branch);
        if (macro) assignments.push(macro);
        else templatedLines.push(ll.line);
        continue;
      }
      if (trimmedName === '') {
        problems.push({
          ...at(ll.line, 0), code: 'missing-name', parameter: null,
          message: 'This line has a value but no parameter name; Postfix stops with "missing attribute name".',
          fix: 'Write the parameter name before the "=": name = value.',
        });
        continue;
      }
      const firstLine = first.text.trim();
      const firstWord = trimmedName.split(/\s+/)[0] ?? trimmedName;
      const colon = /^([a-z][a-z0-9_]*)\s*:\s*(.*)$/.exec(firstLine);
      problems.push({
        ...at(ll.line, first.text.search(/\S/)), code: 'missing-equals', parameter: colon ? (colon[1] ?? null) : null,
        message: eq < 0 || (colon && !firstLine.includes('='))
          ? `Postfix expects "name = value" here and stops with "missing '=' after attribute name".`
          : `The text before "=" is not one parameter name ("${trimmedName.replace(/\s+/g, ' ')}"); Postfix stops with "missing '=' after attribute name".`,
        fix: colon
          ? `Use "=" instead of ":": ${colon[1]} = ${colon[2] ?? ''}`.trimEnd()
          : eq < 0
            ? `Write "${firstWord} = value", or comment the line out with "#".`
            : 'A parameter name has no spaces; put each setting on its own line as name = value.',
      });
      continue;
    }

    const nameStart = namePart.search(/\S/);
    const namePos = positionIn(ll, nameStart, view.toOriginal);
    const { value, runs } = joinValue(ll, eq + 1);
    const afterEq = positionIn(ll, eq + 1, view.toOriginal);
    const positionOf = runLookup(runs, view, value.length, afterEq);
    const valuePos = value.length > 0 ? positionOf(0) : afterEq;
    const a: Assignment = {
      file, name: trimmedName, value,
      line: namePos.line, column: namePos.column,
      valueLine: valuePos.line, valueColumn: valuePos.column,
      nameTemplated: templatedName,
      valueTemplated: value.includes(PLACEHOLDER),
      branch, source: 'main',
      positionOf,
    };
    assignments.push(a);
    for (const t of findReferences(value).truncated) {
      problems.push({
        ...a.positionOf(t), code: 'truncated-reference', parameter: a.name,
        message: `"${value.slice(t, t + 30)}" opens a $-reference that is never closed; Postfix stops with "truncated macro reference".`,
        fix: 'Close the reference with the matching "}" or ")".',
      });
    }
  }
  return { file, assignments, problems, templatedLines, view };
}


function macroAssignment(ll: LogicalLine, view: SourceView, file: string, branch: BranchPath): Assignment | undefined {
  const first = ll.segments[0];
  if (!first || ll.segments.length > 1) return undefined;
  const col = first.text.search(/\S/);
  const pos = view.toOriginal(ll.line, col + 1);
  const ph = view.placeholders.find((p) => p.line === pos.line && p.column === pos.column);
  if (!ph || first.text.trim().length !== ph.text.length) return undefined;
  const m = macroCall.exec(ph.text);
  if (!m || !m[2]) return undefined;
  const def = literalDefault(m[3]);
  const nameOffset = ph.text.indexOf(m[2]);
  const namePos = { line: pos.line, column: pos.column + nameOffset };
  return {
    file, name: m[2], value: def ?? PLACEHOLDER,
    line: namePos.line, column: namePos.column, valueLine: namePos.line, valueColumn: namePos.column,
    nameTemplated: false, valueTemplated: def === undefined, branch, source: 'main', viaMacro: true,
    positionOf: () => namePos,
  };
}
