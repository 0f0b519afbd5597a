// Expressive Code plugin: gives every code line its hanging indent (--ecIndent: the line's indentation
// plus four columns), which Expressive Code otherwise sets only for blocks that wrap on screen. On screen
// the blocks still scroll and nothing moves (the indent and its negative text-indent cancel out); in print,
// where lines wrap (src/styles/site.css), the rest of a long line hangs under its start instead of starting
// in column 0, where Postfix would read a new parameter or service.
import { HANG_COLUMNS, indentColumns } from '../utils/code-lines.ts';

interface LineContext {
  line: { text: string };
  renderData: { lineAst: { type: string; properties?: Record<string, unknown> } };
}

export function printIndent() {
  return {
    name: 'postfix-print-indent',
    hooks: {
      postprocessRenderedLine: ({ line, renderData }: LineContext) => {
        const props = (renderData.lineAst.properties ??= {});
        const style = typeof props.style === 'string' ? props.style : '';
        if (style.includes('--ecIndent')) return;
        props.style = `${style ? `${style};` : ''}--ecIndent:${indentColumns(line.text) + HANG_COLUMNS}ch`;
      },
    },
  };
}
