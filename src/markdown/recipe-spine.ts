// Every recipe page has the same spine, so a reader arriving from a support answer knows where to look:
//   ## Before you start   release, packages, DNS, what you need
//   ## Apply              edit, `postfix check`, `postfix reload`
//   ## Verify             how to see that it works
//   ## Roll back          how to undo it
//   ## Mistakes to avoid  a list, each item opening with a bold phrase
// Background sections may sit between "Before you start" and "Verify"; nothing follows "Mistakes to avoid".
// test/content/recipe-spine.test.ts enforces this statically.

export const SPINE = ['Before you start', 'Apply', 'Verify', 'Roll back', 'Mistakes to avoid'] as const;

interface Section {
  title: string;
  /** 1-based line of the heading. */
  line: number;
  body: string[];
}

/** The `## ` sections of a Markdown body, skipping fenced code. */
function sectionsOf(source: string): Section[] {
  const sections: Section[] = [];
  let fence: string | undefined;
  source.split('\n').forEach((text, i) => {
    const f = /^\s*(```+|~~~+)/.exec(text);
    if (f) fence = fence === undefined ? f[1] : (text.trim().startsWith(fence) ? undefined : fence);
    const h = fence === undefined && !f ? /^## +(.+?)\s*#*\s*$/.exec(text) : null;
    if (h) sections.push({ title: h[1]!, line: i + 1, body: [] });
    else sections.at(-1)?.body.push(text);
  });
  return sections;
}

/** Problems with a recipe's spine, one line each (`file:line: ...`). */
export function recipeSpineProblems(file: string, source: string): string[] {
  const problems: string[] = [];
  const sections = sectionsOf(source);
  const titles = sections.map((s) => s.title);
  const at = (s: Section | undefined) => `${file}:${s?.line ?? 1}`;

  let previous = -1;
  for (const name of SPINE) {
    const index = titles.indexOf(name);
    if (index < 0) { problems.push(`${file}: missing the section "## ${name}"`); continue; }
    if (index < previous) problems.push(`${at(sections[index])}: "## ${name}" must come after "## ${SPINE[SPINE.indexOf(name) - 1]}"`);
    previous = Math.max(previous, index);
  }
  if (sections[0] && sections[0].title !== SPINE[0]) problems.push(`${at(sections[0])}: the first section must be "## ${SPINE[0]}", not "## ${sections[0].title}"`);
  const last = sections.at(-1);
  if (last && last.title !== 'Mistakes to avoid') problems.push(`${at(last)}: "## Mistakes to avoid" must be the last section, not "## ${last.title}"`);
  const verify = titles.indexOf('Verify');
  for (const s of sections.slice(verify + 1)) {
    if (!(SPINE as readonly string[]).includes(s.title)) problems.push(`${at(s)}: "## ${s.title}" after Verify; background belongs before it`);
  }

  const byTitle = new Map(sections.map((s) => [s.title, s]));
  const text = (name: string) => byTitle.get(name)?.body.join('\n') ?? '';
  const before = byTitle.get('Before you start');
  if (before && text('Before you start').trim().length < 40) problems.push(`${at(before)}: "Before you start" says nothing about release, packages or what you need`);
  const apply = byTitle.get('Apply');
  if (apply && !/postfix check/.test(text('Apply'))) problems.push(`${at(apply)}: "Apply" must show \`postfix check\` before the reload`);
  if (apply && !/postfix (reload|start)|systemctl (reload|restart)/.test(text('Apply'))) problems.push(`${at(apply)}: "Apply" must say how the change takes effect (\`postfix reload\`)`);
  const rollBack = byTitle.get('Roll back');
  if (rollBack && !/^\s*```/m.test(text('Roll back'))) problems.push(`${at(rollBack)}: "Roll back" must show the commands or settings that undo the change`);
  const mistakes = byTitle.get('Mistakes to avoid');
  if (mistakes) {
    const body = mistakes.body;
    const items = body.map((l, i) => ({ l, line: mistakes.line + 1 + i })).filter(({ l }) => /^[-*] /.test(l));
    if (items.length === 0) problems.push(`${at(mistakes)}: "Mistakes to avoid" must be a list`);
    for (const { l, line } of items) {
      if (!/^[-*] \*\*[^*]+\*\*/.test(l)) problems.push(`${file}:${line}: each mistake opens with a bold phrase naming it ("- **Requiring TLS on port 25.** ...")`);
    }
    body.forEach((l, i) => {
      if (/^\S/.test(l) && !/^[-*] /.test(l)) problems.push(`${file}:${mistakes.line + 1 + i}: only list items belong under "Mistakes to avoid"`);
    });
  }
  return problems;
}
