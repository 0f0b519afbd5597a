// The pasted log travels only in the URL fragment (#log=...), which browsers never send to a server.

const KEY = 'log=';

/** Longest fragment the page writes; longer logs are explained but not put into the address bar. */
export const MAX_FRAGMENT_CHARS = 64_000;

/** Replaces lone UTF-16 surrogates (which encodeURIComponent rejects) with U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** "#log=<encoded text>", or "" for empty text, or null when the result would be too long. */
export function logToFragment(text: string): string | null {
  if (text === '') return '';
  const hash = `#${KEY}${encodeURIComponent(wellFormed(text))}`;
  return hash.length > MAX_FRAGMENT_CHARS ? null : hash;
}

/** The text stored in a "#log=..." fragment, or null when the fragment holds none (never throws). */
export function logFromFragment(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith(KEY)) return null;
  const encoded = h.slice(KEY.length);
  try {
    return decodeURIComponent(encoded);
  } catch {
    // A hand-edited link with a stray "%": keep what can be read rather than nothing.
    return encoded.replace(/%(?![0-9A-Fa-f]{2})/g, '%25').replace(/(%[0-9A-Fa-f]{2})+/g, (seq) => {
      try {
        return decodeURIComponent(seq);
      } catch {
        return seq;
      }
    });
  }
}
