/**
 * Postfix's line discipline, shared by main.cf, master.cf and table source files: blank lines and lines
 * whose first non-blank character is `#` are ignored, and a line that starts with whitespace continues the
 * previous logical line (comment lines in between do not end it).
 */

export interface Segment {
  /** 1-based line number. */
  line: number;
  /** 0-based column where `text` starts in that line. */
  start: number;
  text: string;
}

export interface LogicalLine {
  /** 1-based line of the first segment. */
  line: number;
  segments: Segment[];
  /** Segments joined with "\n". */
  text: string;
  /** Offset of each segment in `text`. */
  offsets: number[];
  /** A continuation line with nothing to continue: Postfix warns and skips it. */
  orphan: boolean;
}

export function isBlankOrComment(line: string): boolean {
  return /^\s*(#|$)/.test(line);
}

export function logicalLines(lines: readonly string[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  let current: LogicalLine | undefined;
  const finish = () => {
    if (current) {
      current.text = current.segments.map((s) => s.text).join('\n');
      let off = 0;
      current.offsets = current.segments.map((s) => { const o = off; off += s.text.length + 1; return o; });
      out.push(current);
    }
    current = undefined;
  };
  lines.forEach((text, i) => {
    if (isBlankOrComment(text)) return;
    const seg: Segment = { line: i + 1, start: 0, text };
    if (/^\s/.test(text)) {
      if (current && !current.orphan) { current.segments.push(seg); return; }
      finish();
      current = { line: i + 1, segments: [seg], text: '', offsets: [], orphan: true };
      finish();
      return;
    }
    finish();
    current = { line: i + 1, segments: [seg], text: '', offsets: [], orphan: false };
  });
  finish();
  return out;
}

/** Position in the file of an offset into a logical line's text (clamped to its segment). */
export function positionIn(ll: LogicalLine, offset: number, toOriginal: (line: number, column: number) => { line: number; column: number }): { line: number; column: number } {
  let i = 0;
  while (i + 1 < ll.offsets.length && (ll.offsets[i + 1] ?? Infinity) <= offset) i++;
  const seg = ll.segments[i];
  if (!seg) return { line: ll.line, column: 1 };
  return toOriginal(seg.line, seg.start + Math.min(Math.max(offset - (ll.offsets[i] ?? 0), 0), seg.text.length) + 1);
}

export interface Token {
  text: string;
  /** Offset in the logical line's text. */
  offset: number;
}

/**
 * Splits on whitespace (and optionally commas), keeping `{ ... }` groups whole as Postfix 3.0+ does.
 * Unbalanced braces are reported through `onUnbalanced` and the rest is read as plain tokens.
 */
export function tokenize(text: string, opts: { commas?: boolean; onUnbalanced?: (offset: number) => void } = {}): Token[] {
  const tokens: Token[] = [];
  const isSep = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || (opts.commas === true && ch === ',');
  let i = 0;
  while (i < text.length) {
    if (isSep(text[i] ?? '')) { i++; continue; }
    const start = i;
    // Braces group anywhere in a token (`{ name = value }`, `unionmap:{ a, b }`), as mystrtokq() does.
    let depth = 0;
    let open = -1;
    let j = i;
    for (; j < text.length; j++) {
      const ch = text[j] ?? '';
      if (ch === '{') { if (depth === 0) open = j; depth++; }
      else if (ch === '}' && depth > 0) depth--;
      else if (depth === 0 && isSep(ch)) break;
    }
    if (depth > 0) {
      opts.onUnbalanced?.(open);
      j = i;
      while (j < text.length && !isSep(text[j] ?? '')) j++;
    }
    tokens.push({ text: text.slice(start, j), offset: start });
    i = j;
  }
  return tokens;
}
