// Safe HTML for log-pattern texts: the small Markdown subset the patterns use, with {placeholders}
// replaced by values from the pasted log. Values are escaped and inserted after the Markdown is
// rendered, so nothing a reader pastes can become markup.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// Private-use characters delimit stand-ins; pattern texts never contain them.
const OPEN = '\uE000';
const CLOSE = '\uE001';

/**
 * Renders `template` (inline Markdown: `code`, **strong**, *emphasis*, [text](/site/path/) or
 * [text](https://...)) to HTML. `{name}` becomes the escaped `fields[name]`; without `fields` (the
 * reference list) it becomes `<var>name</var>`. Unknown names are shown as written.
 */
export function renderTemplate(template: string, fields?: Record<string, string>): string {
  const stash: string[] = [];
  const keep = (html: string) => `${OPEN}${stash.push(html) - 1}${CLOSE}`;
  const clean = template.replace(/[\uE000\uE001]/g, '');

  // 1. Placeholders become stand-ins for their (escaped) value.
  let text = clean.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    if (!fields) return keep(`<var>${escapeHtml(name)}</var>`);
    return Object.hasOwn(fields, name) ? keep(`<span class="field">${escapeHtml(fields[name]!)}</span>`) : whole;
  });
  // 2. Code spans: their content is literal (stand-ins inside them still expand).
  text = text.replace(/`([^`\n]+)`/g, (_, code: string) => keep(`<code>${escapeHtml(code)}</code>`));
  // 3. Everything else is escaped, then the remaining inline Markdown applies.
  text = escapeHtml(text)
    .replace(/\[([^\]\n]+)\]\(((?:\/(?!\/)|https:\/\/)[^)\s]*)\)/g, (_, label: string, href: string) => `<a href="${href}">${label}</a>`)
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*\w])\*([^*\n]+)\*(?![*\w])/g, '$1<em>$2</em>');
  // 4. Stand-ins expand last (repeatedly: a code span may hold a placeholder).
  for (let i = 0; i < 3 && text.includes(OPEN); i++) {
    text = text.replace(/\uE000(\d+)\uE001/g, (_, n: string) => stash[Number(n)] ?? '');
  }
  return text;
}

/** Renders a multi-paragraph template (paragraphs separated by line breaks) as <p> elements. */
export function renderParagraphs(template: string, fields?: Record<string, string>): string {
  return template
    .split(/\n+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${renderTemplate(p, fields)}</p>`)
    .join('');
}
