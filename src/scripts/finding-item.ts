// DOM helpers shared by the pages that run the engine in the browser (/check/, /generate/): a small element
// builder and the list item that shows one finding with its line, fix and links.
import type { ShownFinding } from '../lib/checker/run.ts';
import { parameterPath } from '../lib/urls.ts';

export const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

export function findingItem(f: ShownFinding): HTMLLIElement {
  const excerpt = el('pre', { className: 'excerpt' },
    el('code', {}, `${String(f.line).padStart(4)} | ${f.excerpt}\n${' '.repeat(7 + Math.max(0, f.caret - 1))}^`));
  const links = el('p', { className: 'links' }, el('a', { href: f.docs }, `About ${f.rule}`));
  if (f.parameter && f.parameterPage) links.append(' · ', el('a', { href: parameterPath(f.parameter) }, f.parameter));
  return el('li', { className: `finding ${f.severity}` },
    el('p', { className: 'head' },
      el('span', { className: `badge ${f.severity}` }, f.severity),
      ' ', el('code', {}, `${f.file}:${f.line}:${f.column}`), ' ', el('code', {}, f.rule)),
    el('p', {}, f.message), excerpt, el('p', { className: 'fix' }, el('strong', {}, 'Fix: '), f.fix), links);
}
