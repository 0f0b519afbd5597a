/**
 * Characters that look like ASCII but are not: what web pages, word processors and chat tools put into
 * copied config snippets. Postfix reads them literally, so `–o` is not an option and a name with a
 * no-break space in it is a different name.
 */

export type LookalikeClass = 'dash' | 'quote' | 'space' | 'invisible' | 'punctuation';

export interface LookalikeChar {
  /** "U+2013" */
  code: string;
  /** Unicode name, lower case, e.g. "en dash". */
  name: string;
  /** The ASCII character meant; empty for invisible characters. */
  ascii: string;
  cls: LookalikeClass;
}

const table: [number, string, string, LookalikeClass][] = [
  [0x2010, 'hyphen', '-', 'dash'],
  [0x2011, 'non-breaking hyphen', '-', 'dash'],
  [0x2012, 'figure dash', '-', 'dash'],
  [0x2013, 'en dash', '-', 'dash'],
  [0x2014, 'em dash', '-', 'dash'],
  [0x2015, 'horizontal bar', '-', 'dash'],
  [0x2212, 'minus sign', '-', 'dash'],
  [0xfe63, 'small hyphen-minus', '-', 'dash'],
  [0xff0d, 'fullwidth hyphen-minus', '-', 'dash'],
  [0x2018, 'left single quotation mark', "'", 'quote'],
  [0x2019, 'right single quotation mark', "'", 'quote'],
  [0x201a, 'single low-9 quotation mark', "'", 'quote'],
  [0x201b, 'single high-reversed-9 quotation mark', "'", 'quote'],
  [0x2032, 'prime', "'", 'quote'],
  [0x201c, 'left double quotation mark', '"', 'quote'],
  [0x201d, 'right double quotation mark', '"', 'quote'],
  [0x201e, 'double low-9 quotation mark', '"', 'quote'],
  [0x201f, 'double high-reversed-9 quotation mark', '"', 'quote'],
  [0x2033, 'double prime', '"', 'quote'],
  [0x00a0, 'no-break space', ' ', 'space'],
  [0x2002, 'en space', ' ', 'space'],
  [0x2003, 'em space', ' ', 'space'],
  [0x2007, 'figure space', ' ', 'space'],
  [0x2008, 'punctuation space', ' ', 'space'],
  [0x2009, 'thin space', ' ', 'space'],
  [0x200a, 'hair space', ' ', 'space'],
  [0x202f, 'narrow no-break space', ' ', 'space'],
  [0x205f, 'medium mathematical space', ' ', 'space'],
  [0x3000, 'ideographic space', ' ', 'space'],
  [0x200b, 'zero width space', '', 'invisible'],
  [0x200c, 'zero width non-joiner', '', 'invisible'],
  [0x200d, 'zero width joiner', '', 'invisible'],
  [0x2060, 'word joiner', '', 'invisible'],
  [0xfeff, 'zero width no-break space (byte order mark)', '', 'invisible'],
  [0xff1d, 'fullwidth equals sign', '=', 'punctuation'],
  [0xff01, 'fullwidth exclamation mark', '!', 'punctuation'],
  [0xff1a, 'fullwidth colon', ':', 'punctuation'],
  [0xff0c, 'fullwidth comma', ',', 'punctuation'],
];

const byChar = new Map<string, LookalikeChar>(
  table.map(([cp, name, ascii, cls]) => [
    String.fromCharCode(cp),
    { code: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, name, ascii, cls },
  ]),
);

export function lookalikeOf(ch: string): LookalikeChar | undefined {
  return byChar.get(ch);
}

/** One regex over all of them, for a fast scan. */
export const lookalikePattern = new RegExp(`[${[...byChar.keys()].join('')}]`, 'g');

/** "U+2013 (en dash '–')" */
export function describeLookalike(ch: string): string {
  const l = byChar.get(ch);
  if (!l) return JSON.stringify(ch);
  return l.cls === 'invisible' || l.cls === 'space' ? `${l.code} (${l.name})` : `${l.code} (${l.name} '${ch}')`;
}

/** What to type instead, in words. */
export function asciiAdvice(ch: string): string {
  const l = byChar.get(ch);
  if (!l) return '';
  switch (l.cls) {
    case 'dash': return "a plain ASCII hyphen-minus '-' (U+002D)";
    case 'quote': return l.ascii === '"' ? `a plain ASCII double quote '"' (U+0022)` : "a plain ASCII apostrophe \"'\" (U+0027)";
    case 'space': return 'a plain ASCII space (U+0020)';
    case 'invisible': return 'nothing: delete the invisible character';
    case 'punctuation': return `a plain ASCII '${l.ascii}'`;
  }
}
