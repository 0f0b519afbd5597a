/**
 * Finds template syntax (Jinja, ERB, Go templates, `%{x}`/`%x`, `PH_*` and `__X__` tokens) in a config
 * file and neutralises it so the Postfix parsers can read the rest. Real-world main.cf and master.cf files
 * are often templates; we still want to check every literal line in them.
 *
 * - Expressions (`{{ x }}`, `<%= x %>`, `PH_X`) become a run of PLACEHOLDER characters of the same length,
 *   so columns stay put and a token containing one is known to be templated.
 * - Comments (`{# #}`, `<%# %>`, `{{/* *\/}}`) become spaces.
 * - Control tags (`{% if %}`, `<% end %>`, `{{ else }}`) become spaces when they are alone on their lines,
 *   else placeholders (an inline `{% if %}` is part of a value we cannot know).
 * - A `%{flag}` at the very start of a line (modoboa's conditional prefix) is cut off; the caller maps
 *   columns back through `cuts`.
 *
 * Control tags also give every line a branch path, so a parameter set in both the `if` and the `else`
 * branch is not a duplicate.
 */

/** Private-use character standing for one character of template text. */
export const PLACEHOLDER = '\uE000';
const CONTROL = '\uE001';

export type TemplateSyntax = 'jinja' | 'go' | 'erb' | 'percent' | 'ph-token' | 'dunder';

export interface Placeholder {
  /** 0-based offset in the original text. */
  offset: number;
  text: string;
  syntax: TemplateSyntax;
}

export interface BranchStep {
  block: number;
  branch: number;
}
export type BranchPath = readonly BranchStep[];

/** Characters removed from a line (0-based line, 0-based column in the text after removal). */
export interface Cut {
  line: number;
  at: number;
  length: number;
}

export interface TemplateScan {
  /** Same lines as the input; template syntax neutralised. */
  text: string;
  placeholders: Placeholder[];
  /** Branch path of each line (0-based). */
  branches: BranchPath[];
  cuts: Cut[];
}

const PREFIX_BLOCK = -1;

type TagKind = 'expression' | 'comment' | 'open' | 'branch' | 'close' | 'statement';

interface Tag {
  start: number;
  end: number;
  kind: TagKind;
  syntax: TemplateSyntax;
}

const jinjaOpen = new Set(['if', 'for', 'macro', 'call', 'filter', 'block', 'with', 'raw', 'autoescape', 'trans']);
const goOpen = new Set(['if', 'range', 'with', 'define', 'block']);
const erbOpen = new Set(['if', 'unless', 'case', 'while', 'until', 'for', 'begin']);

function firstWord(s: string): string {
  const m = /^[A-Za-z_]+/.exec(s);
  return m ? m[0] : '';
}

function classifyJinjaStatement(inner: string): TagKind {
  const body = inner.replace(/^[-+~]?\s*/, '').replace(/\s*[-+~]?$/, '');
  const word = firstWord(body);
  if (word.startsWith('end')) return 'close';
  if (word === 'elif' || word === 'else') return 'branch';
  // `{% set x %}...{% endset %}` is a block; `{% set x = 1 %}` is not.
  if (word === 'set') return body.includes('=') ? 'statement' : 'open';
  return jinjaOpen.has(word) ? 'open' : 'statement';
}

function classifyCurly(inner: string): { kind: TagKind; syntax: TemplateSyntax } {
  const body = inner.replace(/^-?\s*/, '').replace(/\s*-?$/, '');
  if (body.startsWith('/*')) return { kind: 'comment', syntax: 'go' };
  const word = firstWord(body);
  if (word === 'end') return { kind: 'close', syntax: 'go' };
  if (word === 'else') return { kind: 'branch', syntax: 'go' };
  if (goOpen.has(word) && /^[a-z]+\s/.test(body)) return { kind: 'open', syntax: 'go' };
  if (word === 'template') return { kind: 'statement', syntax: 'go' };
  return { kind: 'expression', syntax: body.startsWith('.') || body.startsWith('$') ? 'go' : 'jinja' };
}

function classifyErb(inner: string): TagKind {
  if (inner.startsWith('#')) return 'comment';
  if (inner.startsWith('=')) return 'expression';
  const body = inner.replace(/^-?\s*/, '').replace(/\s*-?$/, '');
  const word = firstWord(body);
  if (word === 'end') return 'close';
  if (word === 'elsif' || word === 'else' || word === 'when' || word === 'rescue' || word === 'ensure') return 'branch';
  if (erbOpen.has(word)) return 'open';
  if (/\bdo(\s*\|[^|]*\|)?\s*$/.test(body)) return 'open';
  return 'statement';
}

/** Postfix table types whose name is a brace-enclosed list: `inline:{...}`, `pipemap:{...}` and the like. */
const braceTables = /(?:^|[^A-Za-z0-9_])(inline|pipemap|unionmap|randmap):$/;

function postfixTableBefore(text: string, at: number): boolean {
  return text[at - 1] === ':' && braceTables.test(text.slice(Math.max(0, at - 12), at));
}

/** Finds the delimited tags; unterminated openers are left as literal text. */
function findTags(text: string): Tag[] {
  const tags: Tag[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */ && i + 1 < text.length) {
      const n = text[i + 1];
      // `${{ ... }}` is Postfix's own expression syntax, and `inline:{{a=b},{c=d}}` (also pipemap:, unionmap:,
      // randmap:) one of its own tables, not a template.
      if (n === '{' && text[i - 1] !== '$' && !postfixTableBefore(text, i)) {
        const end = text.indexOf('}}', i + 2);
        if (end >= 0) {
          const { kind, syntax } = classifyCurly(text.slice(i + 2, end));
          tags.push({ start: i, end: end + 2, kind, syntax });
          i = end + 2;
          continue;
        }
      } else if (n === '%') {
        const end = text.indexOf('%}', i + 2);
        if (end >= 0) {
          tags.push({ start: i, end: end + 2, kind: classifyJinjaStatement(text.slice(i + 2, end)), syntax: 'jinja' });
          i = end + 2;
          continue;
        }
      } else if (n === '#') {
        const end = text.indexOf('#}', i + 2);
        if (end >= 0) {
          tags.push({ start: i, end: end + 2, kind: 'comment', syntax: 'jinja' });
          i = end + 2;
          continue;
        }
      }
    } else if (c === 60 /* < */ && text[i + 1] === '%' && text[i + 2] !== '%') {
      const end = text.indexOf('%>', i + 2);
      if (end >= 0) {
        const inner = text.slice(i + 2, end).replace(/^-/, '');
        tags.push({ start: i, end: end + 2, kind: classifyErb(inner), syntax: 'erb' });
        i = end + 2;
        continue;
      }
    }
    i++;
  }
  return tags;
}

/** Tokens that stand for a value without delimiters around a block. */
const inlinePatterns: { re: RegExp; syntax: TemplateSyntax }[] = [
  { re: /%\{[A-Za-z_][\w.-]*\}/g, syntax: 'percent' },
  { re: /(?<![\w%])%[a-z_][a-z0-9_]{2,}\b/g, syntax: 'percent' },
  { re: /\bPH_[A-Z0-9_]+/g, syntax: 'ph-token' },
  { re: /(?<![A-Za-z0-9])__[A-Z][A-Z0-9_]*__(?![A-Za-z0-9])/g, syntax: 'dunder' },
];

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** Anything that could start template syntax; files without it (most real main.cf files) skip the scan. */
const anyTemplate = /\{\{|\{%|\{#|<%|%\{|%[a-z_]|PH_|__[A-Z]/;

/** Same-length replacement that keeps line breaks, so lines and columns do not move. */
function mask(s: string, ch: string): string {
  return s.replace(/[^\r\n]/g, ch);
}

export function scanTemplates(text: string): TemplateScan {
  const lineCount = text.split('\n').length;
  if (!anyTemplate.test(text)) {
    return { text, placeholders: [], branches: Array.from({ length: lineCount }, () => []), cuts: [] };
  }
  const placeholders: Placeholder[] = [];
  const tags = findTags(text);

  // Branch events, applied at the line after the tag.
  const events: { offset: number; kind: 'open' | 'branch' | 'close' }[] = [];
  const pieces: string[] = [];
  let pos = 0;
  for (const t of tags) {
    pieces.push(text.slice(pos, t.start));
    const body = text.slice(t.start, t.end);
    if (t.kind === 'expression') {
      placeholders.push({ offset: t.start, text: body, syntax: t.syntax });
      pieces.push(mask(body, PLACEHOLDER));
    } else if (t.kind === 'comment') {
      pieces.push(mask(body, ' '));
    } else {
      pieces.push(mask(body, CONTROL));
      if (t.kind !== 'statement') events.push({ offset: t.start, kind: t.kind });
    }
    pos = t.end;
  }
  pieces.push(text.slice(pos));
  let masked = pieces.join('');

  // Inline tokens, only where no tag already took the text (masked characters never match).
  for (const { re, syntax } of inlinePatterns) {
    re.lastIndex = 0;
    if (!re.test(masked)) continue;
    re.lastIndex = 0;
    masked = masked.replace(re, (m: string, ...rest: unknown[]) => {
      const offset = rest.find((x) => typeof x === 'number') as number;
      placeholders.push({ offset, text: m, syntax });
      return PLACEHOLDER.repeat(m.length);
    });
  }
  placeholders.sort((a, b) => a.offset - b.offset);

  const starts = lineStartsOf(text);
  const lines = masked.split('\n');
  const cuts: Cut[] = [];
  const branches: BranchPath[] = [];
  const stack: BranchStep[] = [];
  let nextBlock = 0;
  let ev = 0;
  let current: BranchStep[] = [];
  for (let li = 0; li < lines.length; li++) {
    const lineStart = starts[li] ?? 0;
    let changed = false;
    while (ev < events.length && (events[ev]?.offset ?? Infinity) < lineStart) {
      const e = events[ev++];
      if (!e) break;
      changed = true;
      if (e.kind === 'open') stack.push({ block: nextBlock++, branch: 0 });
      else if (e.kind === 'branch') { const top = stack.at(-1); if (top) top.branch++; }
      else stack.pop();
    }
    if (changed) current = stack.map((s) => ({ ...s }));
    let line = lines[li] ?? '';
    let path: BranchPath = current;
    // A `%{flag}` prefix switches the whole line on or off: read the line without it.
    if (text.startsWith('%{', lineStart)) {
      const prefix = /^%\{([A-Za-z_][\w.-]*)\}/.exec(text.slice(lineStart, lineStart + 200));
      if (prefix && line.startsWith(PLACEHOLDER.repeat(prefix[0].length))) {
        line = line.slice(prefix[0].length);
        cuts.push({ line: li, at: 0, length: prefix[0].length });
        path = [...current, { block: PREFIX_BLOCK, branch: hashName(prefix[1] ?? '') }];
      }
    }
    // Control tags alone on a line vanish; inline ones are part of an unknown value.
    if (line.includes(CONTROL)) {
      line = /^[\s\uE001]*$/.test(line) ? line.replace(/\uE001/g, ' ') : line.replace(/\uE001/g, PLACEHOLDER);
    }
    lines[li] = line;
    branches.push(path);
  }
  return { text: lines.join('\n'), placeholders, branches, cuts };
}

function hashName(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/** True when every condition around `inner` also surrounds `outer`'s line: if `outer` is rendered, so is `inner`. */
export function branchImplies(outer: BranchPath, inner: BranchPath): boolean {
  return inner.every((x) => outer.some((y) => y.block === x.block && y.branch === x.branch));
}

export function hasPlaceholder(s: string): boolean {
  return s.includes(PLACEHOLDER);
}

/** A placeholder's text without whitespace and trim markers, so `{{ x }}` and `{{-x-}}` count once. */
export function placeholderKey(text: string): string {
  return text.replace(/\s+/g, '').replace(/^(\{\{|\{%|<%=?)-?/, '$1').replace(/-?(\}\}|%\}|%>)$/, '$1');
}
