// What the /check/ page asks of the engine, as one plain function: the page runs it in a Web Worker, so a
// large paste never blocks typing, and the tests run it in Node. No DOM here.
import { check } from '../check.ts';
import type { FileKind, Finding } from '../engine-types.ts';
import type { Facts } from '../facts.ts';
import { contentKindLabels, kindFromContent, type ContentKind } from '../file-kinds.ts';
import { boxKinds, boxLabels } from './boxes.ts';

export interface CheckRequest {
  texts: Record<FileKind, string>;
  postfix: string;
  compat?: string;
}

/** A box whose text is not the file the box is for: it is left out of the check and the page says why. */
export interface Misplaced {
  box: FileKind;
  looksLike: ContentKind;
  /** The box the text belongs in, when it is one of the three. */
  moveTo?: FileKind;
  message: string;
}

/** A finding with the line it points at, cut to a readable window around the column. */
export interface ShownFinding extends Finding {
  /** The source line (or the part of it around the column), and the caret's 1-based column in it. */
  excerpt: string;
  caret: number;
  /** The finding's parameter has a page on the site. */
  parameterPage: boolean;
}

export interface CheckAnswer {
  findings: ShownFinding[];
  /** Every finding; `findings` may be the first few only (the page asks for the rest as needed). */
  total: number;
  counts: Record<'error' | 'warning' | 'info', number>;
  misplaced: Misplaced[];
  /** Boxes that were checked. */
  checked: FileKind[];
  /** Lines in the boxes that were checked. */
  lines: number;
}

/** Longest excerpt shown; a longer line is cut around the column (a minified or binary line stays readable). */
export const EXCERPT_CHARS = 160;

/** Start offset of every line, computed once per text: each finding then finds its line in O(1). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export function lineAt(text: string, starts: readonly number[], line: number): string {
  const from = starts[line - 1];
  if (from === undefined) return '';
  const to = starts[line] ?? text.length + 1;
  return text.slice(from, to - 1).replace(/\r$/, '');
}

/** The part of `source` worth showing for a caret at `column`, and where the caret lands in it. */
export function excerptOf(source: string, column: number): { excerpt: string; caret: number } {
  if (source.length <= EXCERPT_CHARS) return { excerpt: source, caret: column };
  const from = Math.max(0, Math.min(column - 1 - 40, source.length - EXCERPT_CHARS));
  const cut = source.slice(from, from + EXCERPT_CHARS);
  const head = from > 0 ? '…' : '';
  const tail = from + EXCERPT_CHARS < source.length ? '…' : '';
  return { excerpt: head + cut + tail, caret: column - from + head.length };
}

function misplacedMessage(box: FileKind, looksLike: ContentKind): string {
  const where = `The ${boxLabels[box]} box`;
  if (looksLike === 'binary') return `${where} holds ${contentKindLabels.binary}, so there is nothing to check in it.`;
  if (looksLike === 'log') return `${where} holds ${contentKindLabels.log}, not a configuration file; the log explainer reads those lines.`;
  return `${where} holds what looks like ${contentKindLabels[looksLike]}, not ${contentKindLabels[box]}, so it was not checked as one.`;
}

/** Which boxes hold the wrong kind of text. An empty box or one whose kind cannot be told is checked as labelled. */
export function misplacedBoxes(texts: Record<FileKind, string>): Misplaced[] {
  const out: Misplaced[] = [];
  for (const box of boxKinds) {
    if (!texts[box].trim()) continue;
    const looksLike = kindFromContent(texts[box]);
    if (looksLike === undefined || looksLike === box) continue;
    const moveTo = looksLike === 'log' || looksLike === 'binary' ? undefined : looksLike;
    out.push({ box, looksLike, moveTo, message: misplacedMessage(box, looksLike) });
  }
  return out;
}

export function runCheck(req: CheckRequest, facts: Facts): CheckAnswer {
  const misplaced = misplacedBoxes(req.texts);
  const checked = boxKinds.filter((k) => req.texts[k].trim() && !misplaced.some((m) => m.box === k));
  const counts = { error: 0, warning: 0, info: 0 };
  if (checked.length === 0) return { findings: [], total: 0, counts, misplaced, checked, lines: 0 };
  const files = checked.map((k) => ({ name: boxLabels[k], kind: k, text: req.texts[k] }));
  const raw = check({ files, facts, postfix: req.postfix, compatibilityLevel: req.compat });
  const starts = new Map(files.map((f) => [f.name, lineStarts(f.text)]));
  const texts = new Map(files.map((f) => [f.name, f.text]));
  const findings = raw.map((f): ShownFinding => {
    counts[f.severity]++;
    const source = lineAt(texts.get(f.file) ?? '', starts.get(f.file) ?? [], f.line);
    return { ...f, ...excerptOf(source, f.column), parameterPage: f.parameter !== null && facts.parameters.has(f.parameter) };
  });
  const lines = [...starts.values()].reduce((n, s) => n + s.length, 0);
  return { findings, total: findings.length, counts, misplaced, checked, lines };
}
