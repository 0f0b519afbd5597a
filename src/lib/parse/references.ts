/**
 * `$name` references in Postfix values: `$name`, `${name}`, `$(name)`, `${name?value}`, `${name:value}`,
 * `${name?{value}}`, `${name?{a}:{b}}`; `${{...}}` is a 3.9+ expression we do not evaluate. Used to tell
 * custom parameters that something references from unknown ones, and to expand values for the rules.
 */

export interface Reference {
  name: string;
  /** Offset of the `$` in the value. */
  offset: number;
  /** Length of the whole reference text. */
  length: number;
}

export interface ReferenceScan {
  refs: Reference[];
  /** `${` or `$(` without its closing bracket: Postfix stops with "truncated macro reference". */
  truncated: number[];
}

const NAME = /^[A-Za-z0-9_]+/;

/** Index just past the bracket that closes the one at `open`, or -1. */
function closing(s: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c) { depth--; if (depth === 0) return i + 1; }
  }
  return -1;
}

export function findReferences(value: string): ReferenceScan {
  const refs: Reference[] = [];
  const truncated: number[] = [];
  const walk = (s: string, base: number) => {
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== '$') continue;
      const next = s[i + 1];
      if (next === '{' || next === '(') {
        const end = closing(s, i + 1, next, next === '{' ? '}' : ')');
        if (end < 0) { truncated.push(base + i); return; }
        const inner = s.slice(i + 2, end - 1);
        if (inner.startsWith('{')) { walk(inner, base + i + 2); i = end - 1; continue; }
        const m = NAME.exec(inner);
        if (m) {
          refs.push({ name: m[0], offset: base + i, length: end - i });
          // The text after `?` or `:` may hold more references.
          walk(inner.slice(m[0].length), base + i + 2 + m[0].length);
        }
        i = end - 1;
      } else {
        const m = NAME.exec(s.slice(i + 1));
        if (m) { refs.push({ name: m[0], offset: base + i, length: m[0].length + 1 }); i += m[0].length; }
      }
    }
  };
  walk(value, 0);
  return { refs, truncated };
}

/** How to look up a parameter while expanding: its raw value, or undefined when unknown. */
export type RawLookup = (name: string) => string | undefined;

export interface Expansion {
  text: string;
  /** Some part could not be worked out (unknown parameter, expression, too deep). */
  unknown: boolean;
}

function stripBraces(s: string): string {
  const t = s.trim();
  return t.startsWith('{') && t.endsWith('}') ? t.slice(1, -1).trim() : s;
}

/** Expands references the way Postfix does at run time; unknowns are reported, not guessed. */
export function expandValue(value: string, lookup: RawLookup, depth = 0): Expansion {
  if (depth > 20) return { text: value, unknown: true };
  let unknown = false;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i];
    if (ch !== '$') { out += ch; i++; continue; }
    const next = value[i + 1];
    if (next === '{' || next === '(') {
      const end = closing(value, i + 1, next, next === '{' ? '}' : ')');
      if (end < 0) { out += value.slice(i); unknown = true; break; }
      const inner = value.slice(i + 2, end - 1);
      const m = NAME.exec(inner);
      if (!m || inner.startsWith('{')) { unknown = true; out += value.slice(i, end); i = end; continue; }
      const raw = lookup(m[0]);
      const rest = inner.slice(m[0].length);
      let piece: string;
      if (rest === '') {
        if (raw === undefined) { unknown = true; piece = ''; }
        else { const e = expandValue(raw, lookup, depth + 1); unknown ||= e.unknown; piece = e.text; }
      } else if (rest[0] === '?' || rest[0] === ':') {
        if (raw === undefined) { unknown = true; piece = ''; }
        else {
          const e = expandValue(raw, lookup, depth + 1);
          unknown ||= e.unknown;
          // `${x?{a}:{b}}`: a when x is non-empty, b otherwise.
          const ternary = /^\?\s*(\{.*\})\s*:\s*(\{.*\})$/s.exec(rest);
          const set = e.text.trim() !== '';
          const chosen = ternary
            ? stripBraces((set ? ternary[1] : ternary[2]) ?? '')
            : (rest[0] === '?') === set ? stripBraces(rest.slice(1)) : '';
          const sub = expandValue(chosen, lookup, depth + 1);
          unknown ||= sub.unknown;
          piece = sub.text;
        }
      } else {
        unknown = true;
        piece = '';
      }
      out += piece;
      i = end;
    } else {
      const m = NAME.exec(value.slice(i + 1));
      if (!m) { out += ch; i++; continue; }
      const raw = lookup(m[0]);
      if (raw === undefined) unknown = true;
      else { const e = expandValue(raw, lookup, depth + 1); unknown ||= e.unknown; out += e.text; }
      i += m[0].length + 1;
    }
  }
  return { text: out, unknown };
}
