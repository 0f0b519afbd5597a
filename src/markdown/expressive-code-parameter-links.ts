// Expressive Code plugin: inside postfix-* blocks, every known parameter name becomes a link to its
// reference page, so a reader can click from a recipe straight to the facts.
import { parameterPath } from '../lib/urls.ts';
import type { HastNode } from './hast-node.ts';

const NAME = /[a-z][A-Za-z0-9_]+/g;

function linkNames(node: HastNode, names: ReadonlySet<string>): void {
  if (!node.children) return;
  const out: HastNode[] = [];
  for (const child of node.children) {
    if (child.type === 'text' && child.value) {
      let last = 0;
      for (const m of child.value.matchAll(NAME)) {
        if (!names.has(m[0])) continue;
        if (m.index > last) out.push({ type: 'text', value: child.value.slice(last, m.index) });
        out.push({ type: 'element', tagName: 'a', properties: { href: parameterPath(m[0]), className: ['param-link'] }, children: [{ type: 'text', value: m[0] }] });
        last = m.index + m[0].length;
      }
      if (last === 0) out.push(child);
      else if (last < child.value.length) out.push({ type: 'text', value: child.value.slice(last) });
    } else {
      if (child.tagName !== 'a') linkNames(child, names);
      out.push(child);
    }
  }
  node.children = out;
}

interface BlockContext {
  codeBlock: {
    language: string;
    code: string;
    props: { title?: string };
    parentDocument?: { positionInDocument?: { groupIndex: number; totalGroups?: number } };
  };
  renderData: { blockAst: HastNode };
}

const languageNames: Record<string, string> = { 'postfix-main': 'main.cf', 'postfix-master': 'master.cf', 'postfix-policy': 'policy table', sh: 'shell' };

/**
 * Scrollable code blocks become keyboard-focusable regions at run time; give each a unique name so
 * screen-reader users can tell them apart (and landmarks stay unique).
 */
function labelBlock({ codeBlock, renderData }: BlockContext): void {
  const position = codeBlock.parentDocument?.positionInDocument;
  const what = codeBlock.props.title ?? languageNames[codeBlock.language] ?? codeBlock.language;
  const label = `Code example${position ? ` ${position.groupIndex + 1}` : ''}: ${what}`;
  const visit = (n: HastNode) => {
    if (n.tagName === 'pre') {
      n.properties ??= {};
      n.properties.role = 'region';
      n.properties['aria-label'] = label;
    }
    else n.children?.forEach(visit);
  };
  visit(renderData.blockAst);
}

export function parameterLinks(names: ReadonlySet<string>) {
  return {
    name: 'postfix-parameter-links',
    hooks: {
      postprocessRenderedBlock: (context: BlockContext) => {
        labelBlock(context);
        const { codeBlock, renderData } = context;
        if (!codeBlock.language.startsWith('postfix-')) return;
        // Only the code lines: the frame title and copy button are left alone.
        const visit = (n: HastNode) => {
          if (n.tagName === 'pre') linkNames(n, names);
          else n.children?.forEach(visit);
        };
        visit(renderData.blockAst);
      },
    },
  };
}
