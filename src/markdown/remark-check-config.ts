// Remark plugin: every postfix-main / postfix-master / postfix-policy block in a recipe is run through the
// engine for each Postfix release the recipe applies to. A block must come out clean unless it declares
// the findings it shows (expect="rule-id ...", or "rule-id@3.9" for a finding that starts with a release),
// and those are printed under it. Any disagreement fails the build with the recipe file, the line and the
// finding.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Facts } from '../lib/facts.ts';
import { rulePath } from '../lib/urls.ts';
import { configBlockKinds } from './grammars/index.ts';
import { isShellLang, metaAttribute } from './shell-blocks.ts';
import { blockFindings, compareBlock, describeMismatch, expectedRuleSpecs, releasesBetween, type ConfigBlock } from './config-blocks.ts';

interface MdNode {
  type: string;
  position?: { start: { line: number }; end: { line: number } };
  lang?: string | null;
  meta?: string | null;
  value?: string;
  children?: MdNode[];
}
interface VFileLike {
  path?: string;
  data: { astro?: { frontmatter?: { postfix?: { from?: string; to?: string } } } };
  fail(reason: string, place?: unknown): never;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The renderer sees the body without front matter, so node positions are off by an amount that depends
 * on how the front matter was stripped. Map the n-th config fence of the tree to the n-th config fence
 * line of the source file instead.
 */
function placeInSource(blocks: ConfigBlock[], source: string): void {
  const fences = source.split('\n').flatMap((l, i) => (/^\s*(?:```|~~~)\s*postfix-(?:main|master|policy)\b/.test(l) ? [i + 1] : []));
  if (fences.length === blocks.length) blocks.forEach((b, i) => { b.line = fences[i]!; });
}

/**
 * `onProblems` receives every disagreement as well: Astro's content layer logs a failed render and carries
 * on, so the build gate (src/integrations/recipe-block-gate.ts) uses it to fail the build at the end.
 */
export function remarkCheckConfig({ facts, onProblems }: { facts: Facts; onProblems?: (lines: string[]) => void }) {
  return () => (tree: MdNode, file: VFileLike) => {
    const range = file.data.astro?.frontmatter?.postfix;
    const versions = releasesBetween(facts, range?.from ?? facts.releases[0]!.version, range?.to);
    const name = file.path ? relative(process.cwd(), file.path) : 'recipe';

    const found: { node: MdNode; parent: MdNode; block: ConfigBlock }[] = [];
    const shell: { node: MdNode; parent: MdNode }[] = [];
    const walk = (node: MdNode) => {
      for (const child of node.children ?? []) {
        const kind = child.type === 'code' && child.lang ? configBlockKinds[child.lang as keyof typeof configBlockKinds] : undefined;
        if (kind) {
          found.push({ node: child, parent: node, block: { kind, text: child.value ?? '', expected: expectedRuleSpecs(child.meta), line: child.position?.start.line ?? 1 } });
        } else if (child.type === 'code' && isShellLang(child.lang)) {
          shell.push({ node: child, parent: node });
        } else walk(child);
      }
    };
    walk(tree);
    // Shell blocks no proof test runs say so, with the page's reason, in a note under the block.
    for (const { node, parent } of shell) {
      const reason = metaAttribute(node.meta, 'not-run');
      if (reason === undefined) continue;
      const html = `<p class="block-not-run" role="note"><small>Not run by this recipe's proof: ${escapeHtml(reason)}.</small></p>`;
      parent.children!.splice(parent.children!.indexOf(node) + 1, 0, { type: 'html', value: html });
    }
    const blocks = found.map((f) => f.block);
    if (file.path) placeInSource(blocks, readFileSync(file.path, 'utf8'));

    const problems: string[] = [];
    for (const { node, parent, block } of found) {
      let shown: ReturnType<typeof blockFindings> = [];
      for (const version of versions) {
        const findings = blockFindings(block, blocks, facts, version);
        const mismatch = compareBlock(block, findings, version);
        if (mismatch) problems.push(...describeMismatch(name, mismatch));
        if (version === versions.at(-1)) shown = findings.filter((f) => block.expected.some((e) => e.rule === f.rule));
      }
      if (block.expected.length > 0) {
        node.meta = /title=/.test(node.meta ?? '') ? node.meta : `${node.meta ?? ''} title="Don't do this"`.trim();
        const items = shown.map((f) => `<li><a href="${rulePath(f.rule)}"><code>${escapeHtml(f.rule)}</code></a> (${f.severity}, line ${f.line}): ${escapeHtml(f.message)}</li>`).join('');
        const html = `<div class="block-findings" role="note"><p><strong>The checker reports:</strong></p><ul>${items}</ul></div>`;
        const index = parent.children!.indexOf(node);
        parent.children!.splice(index + 1, 0, { type: 'html', value: html });
      }
    }
    if (problems.length) onProblems?.(problems);
    if (problems.length) file.fail(`config blocks disagree with the checker:\n${problems.join('\n')}`);
  };
}
