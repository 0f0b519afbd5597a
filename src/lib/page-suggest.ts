// The 404 page's "did you mean": the page whose name is nearest to a mistyped address, found with the
// checker's own typo logic (didYouMean). Runs in the browser from the path; the names come from the build.
import { didYouMean } from './rules/support/names.ts';

/** Named pages per site section: section path ("parameters") → [name, path] pairs. */
export type PageIndex = Record<string, [name: string, path: string][]>;

export interface Suggestion {
  name: string;
  path: string;
  /** The section's label, e.g. "parameter". */
  section: string;
}

/** Other spellings of a section in an address: /p/<name>/ is the short parameter link. */
const sectionAliases: Record<string, string> = { p: 'parameters', parameter: 'parameters', rule: 'rules', recipe: 'recipes' };

export const sectionLabels: Record<string, string> = {
  parameters: 'parameter', rules: 'checker rule', recipes: 'recipe', 'security-levels': 'security level',
  protocols: 'protocol', 'cipher-grades': 'cipher grade', pages: 'page',
};

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The nearest name among `pairs` (a typo away, or the one name that starts with what was typed). */
function nearest(typed: string, pairs: readonly [string, string][]): [string, string] | undefined {
  if (typed.length < 2 || pairs.length === 0) return undefined;
  const lower = typed.toLowerCase();
  const exact = pairs.find(([n]) => n.toLowerCase() === lower);
  if (exact) return exact;
  const byName = new Map(pairs.map((p) => [p[0], p] as const));
  const guess = didYouMean(typed, byName.keys());
  if (guess) return byName.get(guess);
  // A cut-off address ("/recipes/outbound-dane-tl") or a longer one ("/parameters/smtpd_tls_security_level_x"):
  // accept it when exactly one name fits.
  if (lower.length >= 5) {
    const fits = pairs.filter(([n]) => n.toLowerCase().startsWith(lower) || lower.startsWith(n.toLowerCase()));
    if (fits.length === 1) return fits[0];
  }
  return undefined;
}

/** The page the reader most likely meant by `pathname`, or undefined when nothing is close. */
export function suggestPage(pathname: string, index: PageIndex): Suggestion | undefined {
  const segments = pathname.split('/').filter(Boolean).map(decode).filter((s) => s !== 'index.html');
  if (segments.length === 0) return undefined;
  const sections = Object.keys(index);
  const [first = '', ...rest] = segments;
  const name = rest.at(-1) ?? first;
  const section = sectionAliases[first] ?? (sections.includes(first) ? first : didYouMean(first, sections));
  const found = (s: string, pair: [string, string] | undefined): Suggestion | undefined =>
    pair ? { name: pair[0], path: pair[1], section: sectionLabels[s] ?? s } : undefined;
  if (section && rest.length > 0) {
    const hit = found(section, nearest(name, index[section] ?? []));
    if (hit) return hit;
  }
  if (section && rest.length === 0) {
    // "/paramters/": the section itself was mistyped.
    const top = (index.pages ?? []).find(([, path]) => path === `/${section}/`);
    if (top) return found('pages', top);
  }
  // Any section: a name typed at the wrong place or without one ("/smtpd_tls_securty_level/").
  for (const s of sections) {
    const hit = found(s, nearest(name, index[s] ?? []));
    if (hit) return hit;
  }
  return undefined;
}
