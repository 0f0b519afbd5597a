// Configuration examples as one element per line, so that print styles can give each line a hanging
// indent (src/styles/site.css): a line that wraps on paper continues deeper than it starts, never in
// column 0 where Postfix would read a new parameter or service.
import type { HastNode } from '../markdown/hast-node.ts';

/** Columns a line's rest hangs beyond the line's own indentation when it wraps in print. */
export const HANG_COLUMNS = 4;

export interface CodeLine {
  /** The line without its line break. */
  text: string;
  /** CSS length of the hanging indent: the line's indentation plus HANG_COLUMNS. */
  hang: string;
}

/** Leading white space in columns; a tab counts as two, as code blocks on this site show it (tab-size: 2). */
export function indentColumns(line: string): number {
  let n = 0;
  for (const c of line) {
    if (c === ' ') n += 1;
    else if (c === '\t') n += 2;
    else break;
  }
  return n;
}

export function codeLines(code: string): CodeLine[] {
  return code.split('\n').map((text) => ({ text, hang: `${indentColumns(text) + HANG_COLUMNS}ch` }));
}

/**
 * Rehype plugin: the text of every `pre > code` becomes one `span.line` per line, each with its --hang.
 * Each span holds its own line break, so the text (and what a reader copies) is unchanged.
 */
export function rehypeCodeLines() {
  const visit = (node: HastNode) => {
    if (node.tagName === 'pre') {
      for (const code of node.children ?? []) {
        if (code.tagName !== 'code' || !code.children?.every((c) => c.type === 'text')) continue;
        const text = code.children.map((c) => c.value ?? '').join('');
        const lines = codeLines(text.endsWith('\n') ? text.slice(0, -1) : text);
        code.children = lines.map((l, i) => ({
          type: 'element', tagName: 'span', properties: { className: ['line'], style: `--hang:${l.hang}` },
          children: [{ type: 'text', value: i < lines.length - 1 || text.endsWith('\n') ? `${l.text}\n` : l.text }],
        }));
      }
      return;
    }
    node.children?.forEach(visit);
  };
  return (tree: HastNode) => visit(tree);
}
