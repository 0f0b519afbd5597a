import type { FileKind, Position } from '../engine-types.ts';
import { lookalikeOf, lookalikePattern } from './lookalikes.ts';
import { scanTemplates, type BranchPath, type Cut, type TemplateSyntax } from './templates.ts';

/**
 * A config file prepared for a parser: template syntax neutralised, look-alike characters found and
 * replaced by what was meant, and a way back from parser positions to positions in the file as written.
 * Parsers only ever see `lines`; every position they report goes through `toOriginal`.
 */
export interface SourceView {
  /** The file as given (without a byte order mark). */
  original: string;
  originalLines: string[];
  /** What the parser reads, line by line, without line terminators. */
  lines: string[];
  branches: BranchPath[];
  /** Template placeholders outside comments, positioned in the original text. */
  placeholders: PlaceholderAt[];
  lookalikes: LookalikeAt[];
  toOriginal(line: number, column: number): Position;
  /** The text as written at a position, e.g. to quote a templated field in a message. */
  originalSlice(line: number, column: number, length: number): string;
}

export interface PlaceholderAt extends Position {
  text: string;
  syntax: TemplateSyntax;
}

export interface LookalikeAt extends Position {
  char: string;
  /** The whole original line, for messages. */
  lineText: string;
}

export function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function isCommentLine(line: string): boolean {
  return /^\s*#/.test(line);
}

/** Cuts grouped by line, so mapping a position costs only that line's cuts. */
function byLine(cuts: readonly Cut[]): Map<number, Cut[]> {
  const m = new Map<number, Cut[]>();
  for (const c of cuts) m.set(c.line, [...(m.get(c.line) ?? []), c]);
  return m;
}

/** Undoes cuts: column (0-based) after the cuts -> column before them. */
function uncut(cuts: ReadonlyMap<number, Cut[]>, line: number, col: number): number {
  let c = col;
  // Compare with the column as given: every cut's `at` is in the same (after-cut) coordinates.
  for (const cut of cuts.get(line) ?? []) if (cut.at <= col) c += cut.length;
  return c;
}

export function prepareSource(rawText: string, kind: FileKind): SourceView {
  const bom = rawText.charCodeAt(0) === 0xfeff;
  const original = bom ? rawText.slice(1) : rawText;
  const originalLines = splitLines(original);

  const scan = scanTemplates(original);
  const lines = splitLines(scan.text);

  const starts = [0];
  for (let i = 0; i < original.length; i++) if (original.charCodeAt(i) === 10) starts.push(i + 1);
  const offsetToPos = (offset: number): Position => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  };

  const placeholders: PlaceholderAt[] = [];
  for (const p of scan.placeholders) {
    const pos = offsetToPos(p.offset);
    if (isCommentLine(lines[pos.line - 1] ?? '') || isCommentLine(originalLines[pos.line - 1] ?? '')) continue;
    placeholders.push({ ...pos, text: p.text, syntax: p.syntax });
  }

  // Look-alikes: find, decide whether they matter here, then replace them with what was meant.
  const lookCuts: Cut[] = [];
  const found: { line: number; col: number; char: string }[] = [];
  lines.forEach((line, li) => {
    if (isCommentLine(line)) return;
    lookalikePattern.lastIndex = 0;
    const eq = line.indexOf('=');
    const continuation = /^\s/.test(line);
    for (let m = lookalikePattern.exec(line); m; m = lookalikePattern.exec(line)) {
      const l = lookalikeOf(m[0]);
      if (!l) continue;
      // In main.cf, a dash or curly quote in a value is usually deliberate text (a banner, a comment
      // Postfix keeps); only names, spaces and invisible characters change what Postfix reads.
      const matters = kind !== 'main' || l.cls === 'space' || l.cls === 'invisible' || l.cls === 'punctuation'
        || (!continuation && (eq < 0 || m.index < eq));
      if (matters) found.push({ line: li, col: m.index, char: m[0] });
    }
  });
  // Replace from the right so earlier columns stay valid while deleting.
  for (const f of [...found].reverse()) {
    const l = lookalikeOf(f.char);
    const line = lines[f.line] ?? '';
    lines[f.line] = line.slice(0, f.col) + (l?.ascii ?? '') + line.slice(f.col + 1);
    if (l && l.ascii === '') lookCuts.push({ line: f.line, at: f.col, length: 1 });
  }
  // Cuts were collected right to left; uncut expects each cut's column in the final text.
  const finalLookCuts = lookCuts
    .map((c) => ({ ...c, at: c.at - lookCuts.filter((o) => o.line === c.line && o.at < c.at).length }))
    .sort((a, b) => a.line - b.line || a.at - b.at);

  const templateCuts = byLine(scan.cuts);
  const lookalikeCuts = byLine(finalLookCuts);
  const toOriginal = (line: number, column: number): Position => {
    const li = line - 1;
    const c0 = uncut(templateCuts, li, uncut(lookalikeCuts, li, column - 1));
    return { line, column: c0 + 1 };
  };

  const lookalikes: LookalikeAt[] = found.map((f) => {
    const c0 = uncut(templateCuts, f.line, f.col);
    return { line: f.line + 1, column: c0 + 1, char: f.char, lineText: originalLines[f.line] ?? '' };
  });
  if (bom && originalLines[0] !== undefined && !/^\s*(#|$)/.test(originalLines[0])) {
    lookalikes.unshift({ line: 1, column: 1, char: '\uFEFF', lineText: originalLines[0] });
  }
  lookalikes.sort((a, b) => a.line - b.line || a.column - b.column);

  const originalSlice = (line: number, column: number, length: number) =>
    (originalLines[line - 1] ?? '').slice(column - 1, column - 1 + length);
  return { original, originalLines, lines, branches: scan.branches, placeholders, lookalikes, toOriginal, originalSlice };
}
