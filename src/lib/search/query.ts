// What the search box does with a query before and beyond Pagefind's all-words match: recognise pasted log
// lines, near misses of parameter names, and rank pages by how many of the informative words they contain
// when no page has them all. Pure functions, shared by the page script and the tests.
import { didYouMean } from '../rules/support/names.ts';

/** A syslog/journal prefix ("Nov 23 18:41:03 mx postfix/smtpd[31375]: "), ISO timestamps included. */
const LOG_PREFIX = /^\s*(?:(?:[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\S+)\s+\S+\s+)?(?:postfix[\w/-]*|smtpd?|tlsproxy|postscreen|submission\/smtpd)\[\d+\]:\s*/i;
/** Message starts Postfix and its TLS library print. */
const LOG_MESSAGE = /^(?:warning|fatal|error|panic):\s|^(?:(?:Anonymous|Trusted|Untrusted|Verified) TLS connection established|SSL_(?:accept|connect) error|[0-9A-F]{6,}: to=<|connect(?:ion)? (?:from|to)|disconnect from|lost connection|TLS library problem|certificate verification failed|Server certificate not (?:trusted|verified)|Wrapper-mode request dropped|cannot load|no shared cipher|setting up TLS connection)/i;

/** Fragments only a log line has, wherever they stand in the query. */
const LOG_FRAGMENT = /\bstatus=(?:deferred|bounced|sent)\b|delivery temporarily suspended:|TLS library problem:|SSL_(?:accept|connect) error from|\bpostfix\/\w+\[\d+\]:/;

/** The query minus a log line's timestamp, host and process prefix; null when it does not look like a log line. */
export function logLineMessage(query: string): string | null {
  const q = query.trim();
  const m = LOG_PREFIX.exec(q);
  if (m) return q.slice(m[0].length);
  if (q.length >= 24 && (LOG_MESSAGE.test(q) || LOG_FRAGMENT.test(q))) return q;
  return null;
}

/** Words that carry no topic in a question ("how do I ... with the ..."); dropped before searching. */
const FILLER = new Set(('a an the and or but to of in on for with from by at as is are was be been being it its this that these those '
  + 'i my me we our you your how what why when where which who do does did can could should would will any some there here '
  + 'have has had get gets got using use used via into if so than then also just only still please help anyone possible '
  + 'way ways want need trying tried am vs etc eg ie really plans plan support supported config configuration setup '
  + 'problem problems issue issues question fix add').split(' '));

/** Words a query is searched by: lowercase, punctuation trimmed, filler words, addresses, ids and times dropped. */
export function queryWords(query: string): string[] {
  const message = logLineMessage(query) ?? query;
  const words = message
    .replace(/\[[0-9a-f.:]+\](?::\d+)?/gi, ' ') // [192.0.2.1]:25
    .split(/[\s/+,;=()"'`<>|]+|-(?=[a-z])/i)
    .map((w) => w.replace(/^[^\w.]+|[^\w]+$/g, '').toLowerCase())
    .filter((w) => w.length > 1 && !FILLER.has(w) && !/^[0-9a-f]{8,}$/.test(w) && !/^\d{2}:\d{2}(:\d{2})?$/.test(w));
  return [...new Set(words)];
}

/** A single word that is not a parameter but a near miss of one: the parameter, else undefined. */
export function nearMissName(query: string, names: readonly string[]): string | undefined {
  const q = query.trim().toLowerCase();
  if (!/^[a-z0-9_]{6,}$/.test(q) || !q.includes('_') || names.includes(q)) return undefined;
  return didYouMean(q, names);
}

export interface WordMatches {
  word: string;
  /** The pages containing the word, best first, with the score Pagefind gave each for this word alone. */
  pages: { id: string; score: number }[];
}

/**
 * Pages ranked by the summed weight of the query words they contain. A word's weight falls with the share of
 * pages that contain it, so words on nearly every page ("postfix", "tls", "mail") count for little; and it is
 * scaled by how strongly the word features on the page compared with the page where it features most (Pagefind's
 * score for the word alone, length-normalised), so a long index page that merely mentions every word does not
 * beat the page about them. `total` is the number of pages in the index.
 */
export function rankByWords(matches: readonly WordMatches[], total: number): { id: string; score: number; matched: number }[] {
  const scores = new Map<string, { id: string; score: number; matched: number }>();
  for (const { pages } of matches) {
    if (pages.length === 0) continue;
    const weight = Math.log((total + 1) / pages.length);
    const top = Math.max(...pages.map((p) => p.score)) || 1;
    for (const { id, score } of pages) {
      const entry = scores.get(id) ?? { id, score: 0, matched: 0 };
      entry.score += weight * (0.15 + 0.85 * (score / top));
      entry.matched += 1;
      scores.set(id, entry);
    }
  }
  return [...scores.values()].sort((a, b) => b.score - a.score || b.matched - a.matched);
}

/**
 * The ranking of a question that names parameters exactly: their pages come first, in the order given, with at
 * most one page ahead of them, the best ranked for which `answersMore` holds (the site passes: a recipe that uses
 * every name and has more of the question's other words than the parameter pages). A name alone says "show me
 * this parameter"; a name among words the parameter page lacks ("relayhost office365 587") asks for the recipe
 * that puts them together, and the parameter page follows it. `named` are the parameter pages' ids.
 */
export function leadWithNamed<T extends { id: string }>(ranked: readonly T[], named: readonly string[], answersMore: (id: string) => boolean): T[] {
  const lead = ranked.filter((r) => named.includes(r.id));
  const rest = ranked.filter((r) => !named.includes(r.id));
  if (lead.length === 0) return [...rest];
  const first = rest.find((r) => answersMore(r.id));
  return [...(first ? [first] : []), ...lead, ...rest.filter((r) => r !== first)];
}
