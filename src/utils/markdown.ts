import { createMarkdownProcessor, type MarkdownRenderer } from '@astrojs/markdown-remark';

let renderer: Promise<MarkdownRenderer> | undefined;

/** Renders a Markdown field from a data file (descriptions, pitfalls) to HTML at build time. */
export async function renderMarkdown(text: string): Promise<string> {
  renderer ??= createMarkdownProcessor({ syntaxHighlight: false });
  const { code } = await (await renderer).render(text);
  return code;
}
