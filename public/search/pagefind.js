// The search box loads Pagefind through this file (its bundlePath points here) so the site can answer queries
// that no page matches in full: src/scripts/lazy-pagefind-ui.ts installs that search as globalThis.__siteSearch.
// Everything else is Pagefind's own module, unchanged.
import * as pagefind from '../pagefind/pagefind.js';
export * from '../pagefind/pagefind.js';
export const search = (term, options) => (globalThis.__siteSearch ?? pagefind.search)(term, options);
// The UI preloads the index chunks for every partial query as it is typed; short prefixes ("s", "smt") span
// many chunks of words, so the site decides what is worth preloading (globalThis.__sitePreload: nothing).
export const preload = (term, options) => (globalThis.__sitePreload ?? pagefind.preload)(term, options);
// No web worker: this index answers a query in a few milliseconds on the main thread, and the worker's script
// would be one more download (12 KB) before the first result.
export const options = (opts) => pagefind.options({ noWorker: true, ...opts });
