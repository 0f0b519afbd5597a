import { createMarkdownProcessor, type MarkdownRenderer } from '@astrojs/markdown-remark';
import { rehypeCodeLines } from './code-lines.ts';

let renderer: Promise<MarkdownRenderer> | undefined;

/** Renders a Markdown field from a data file (descriptions, pitfalls) to HTML at build time. */
export async function renderMarkdown(text: string): Promise<string> {
  // Code blocks get one span per line, for the hanging indent of wrapped lines in print.
  renderer ??= createMarkdownProcessor({ syntaxHighlight: false, rehypePlugins: [rehypeCodeLines] });
  const { code } = await (await renderer).render(text);
  return code;
}
