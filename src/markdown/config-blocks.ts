// Pure logic behind the recipe block check: which findings a config block produces on each Postfix release
// the recipe applies to, compared with the findings the block declares (anti-pattern blocks).
import { check } from '../lib/check.ts';
import type { FileKind, Finding, InputFile } from '../lib/engine-types.ts';
import type { Facts } from '../lib/facts.ts';
import { compareVersions } from '../lib/versions.ts';

export interface ConfigBlock {
  kind: FileKind;
  text: string;
  /** Rules the block declares with `expect="a b"`; empty for a block that must come out clean. */
  expected: ExpectedRule[];
  /** 1-based line of the opening fence in the Markdown file. */
  line: number;
}

export interface BlockMismatch {
  block: ConfigBlock;
  version: string;
  unexpected: Finding[];
  missing: string[];
}

/** A rule an anti-pattern block shows; `rule@3.9` means only from that release on (e.g. a deprecation). */
export interface ExpectedRule {
  rule: string;
  /** First release on which the rule must be reported; before it, the rule must not be. */
  from?: string;
}

/** Reads `expect="rule-a rule-b@3.9"` (or expect=rule-a,rule-b) from a fence's meta string. */
export function expectedRuleSpecs(meta: string | null | undefined): ExpectedRule[] {
  const m = /(?:^|\s)expect=(?:"([^"]*)"|(\S+))/.exec(meta ?? '');
  const words = m ? (m[1] ?? m[2] ?? '').split(/[\s,]+/).filter(Boolean) : [];
  return words.map((w) => {
    const [rule, from] = w.split('@') as [string, string | undefined];
    return from ? { rule, from } : { rule };
  });
}

/** The rule ids of `expect="..."`, whatever release they apply from. */
export function expectedRules(meta: string | null | undefined): string[] {
  return expectedRuleSpecs(meta).map((e) => e.rule);
}

/** Releases from `from` to `to` (inclusive; `to` defaults to the newest). */
export function releasesBetween(facts: Facts, from: string, to?: string): string[] {
  return facts.releases.map((r) => r.version)
    .filter((v) => compareVersions(v, from) >= 0 && (!to || compareVersions(v, to) <= 0));
}

const BLOCK = 'block';

/**
 * Checks one block on one release. master.cf and policy-table blocks are checked together with the recipe's
 * clean main.cf blocks (their context: certificates, fingerprint digest, ...), but only findings inside the
 * block itself count.
 */
export function blockFindings(block: ConfigBlock, context: readonly ConfigBlock[], facts: Facts, version: string): Finding[] {
  const files: InputFile[] = [{ name: BLOCK, kind: block.kind, text: block.text }];
  if (block.kind !== 'main') {
    const main = context.filter((b) => b.kind === 'main' && b.expected.length === 0).map((b) => b.text).join('\n');
    if (main) files.unshift({ name: 'main.cf', kind: 'main', text: main });
  }
  return check({ files, facts, postfix: version }).filter((f) => f.file === BLOCK);
}

/** Compares actual and declared findings; info findings count only when declared. */
export function compareBlock(block: ConfigBlock, findings: Finding[], version: string): BlockMismatch | undefined {
  const expectedHere = block.expected.filter((e) => !e.from || compareVersions(version, e.from) >= 0).map((e) => e.rule);
  const unexpected = findings.filter((f) => f.severity !== 'info' && !expectedHere.includes(f.rule));
  const missing = expectedHere.filter((rule) => !findings.some((f) => f.rule === rule));
  return unexpected.length || missing.length ? { block, version, unexpected, missing } : undefined;
}

/** One line per problem, naming the recipe file and the Markdown line of the finding. */
export function describeMismatch(file: string, m: BlockMismatch): string[] {
  const where = (f: Finding) => `${file}:${m.block.line + f.line}`;
  return [
    ...m.unexpected.map((f) => `${where(f)}: postfix-${m.block.kind} block on Postfix ${m.version}: unexpected ${f.severity} "${f.rule}": ${f.message} (declare it with expect="${f.rule}" if the block shows a mistake on purpose)`),
    ...m.missing.map((rule) => `${file}:${m.block.line}: postfix-${m.block.kind} block on Postfix ${m.version}: declares expect="${rule}" but the checker does not report it`),
  ];
}
