// Shell command blocks in recipes (```sh, ```bash, ```console, ```shell). Each one is either run verbatim by
// the recipe's proof test, which names it by its stable id (```sh id="verify-465"``` on the page,
// shellBlock('implicit-tls-465', 'verify-465') in the test), or carries not-run="reason", which the page
// shows as a note under the block. test/content/recipe-shell-blocks.test.ts enforces this statically.

export const SHELL_LANGS = ['sh', 'bash', 'console', 'shell'] as const;

export interface ShellBlock {
  lang: string;
  /** `id="..."`: the name a proof test uses to read and run the block. */
  id?: string;
  /** `not-run="..."`: why no test runs this block. */
  notRun?: string;
  text: string;
  /** 1-based line of the opening fence in the Markdown file. */
  line: number;
}

/** A `name="value"` or `name=value` attribute of a fence's meta string. */
export function metaAttribute(meta: string | null | undefined, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}=(?:"([^"]*)"|(\\S+))`).exec(meta ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

export function isShellLang(lang: string | null | undefined): boolean {
  return (SHELL_LANGS as readonly string[]).includes(lang ?? '');
}

/** Every shell block of a Markdown source, in order. */
export function shellBlocksOf(source: string): ShellBlock[] {
  const out: ShellBlock[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented (a block inside a list item); the block's lines lose that indentation.
    const open = /^(\s*)```(\w+)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (isShellLang(open[2])) {
      const body = lines.slice(i + 1, end < 0 ? lines.length : end).map((l) => l.slice(Math.min(indent, /^\s*/.exec(l)![0].length)));
      const block: ShellBlock = { lang: open[2]!, text: body.join('\n') + '\n', line: i + 1 };
      const id = metaAttribute(open[3], 'id');
      const notRun = metaAttribute(open[3], 'not-run');
      if (id !== undefined) block.id = id;
      if (notRun !== undefined) block.notRun = notRun;
      out.push(block);
    }
    i = end < 0 ? lines.length : end;
  }
  return out;
}

/**
 * The ids a test file claims: literal calls shellBlock('slug', 'id') (or runShellBlock with the same first
 * two arguments), read from the source so the claim is checked without running the test.
 */
export function claimedShellBlockIds(testSource: string, slug: string): string[] {
  const ids: string[] = [];
  for (const m of testSource.matchAll(/\b(?:shellBlock|runShellBlock)\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]/g)) {
    if (m[1] === slug) ids.push(m[2]!);
  }
  return ids;
}

/** Problems with a recipe's shell blocks, one line each (`file:line: ...`). */
export function shellBlockProblems(file: string, slug: string, source: string, testSources: string[]): string[] {
  const claimed = new Set(testSources.flatMap((t) => claimedShellBlockIds(t, slug)));
  const problems: string[] = [];
  const blocks = shellBlocksOf(source);
  const seen = new Set<string>();
  for (const b of blocks) {
    const where = `${file}:${b.line}`;
    if (b.id !== undefined && seen.has(b.id)) problems.push(`${where}: shell block id "${b.id}" is used twice on the page`);
    if (b.id !== undefined) seen.add(b.id);
    if (b.notRun !== undefined) {
      if (b.notRun.trim().length < 8) problems.push(`${where}: not-run needs a reason a reader can judge`);
      if (b.id !== undefined && claimed.has(b.id)) problems.push(`${where}: block "${b.id}" is marked not-run but a proof test runs it`);
      continue;
    }
    if (b.id === undefined) problems.push(`${where}: shell block is neither run by a proof test (id="...", read with shellBlock('${slug}', id)) nor marked not-run="reason"`);
    else if (!claimed.has(b.id)) problems.push(`${where}: shell block id "${b.id}" is not run by any proof test (no shellBlock('${slug}', '${b.id}') in test/postfix/recipes/)`);
  }
  for (const id of claimed) if (!seen.has(id)) problems.push(`${file}: a proof test runs shell block "${id}", which the page does not have`);
  return problems;
}
