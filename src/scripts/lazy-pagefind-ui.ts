// Stands in for `@pagefind/default-ui` (aliased in astro.config.mjs). Starlight builds the search UI when the
// page goes idle, which downloads ~30 KB of script on every page view, and puts Pagefind's stylesheet (~3 KB
// compressed) in every page's CSS; this wrapper defers both until the reader opens the search dialog, so
// reference pages stay light. The options are passed through as is.

// A URL rather than a CSS import: Astro puts every stylesheet a page's scripts import, even lazily, in the page.
import stylesheetUrl from '../styles/pagefind-ui.css?url';

function addStylesheet(href: string) {
  const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href });
  document.head.append(link);
}

type Options = { element: string; [key: string]: unknown };

export class PagefindUI {
  constructor(options: Options) {
    const dialog = document.querySelector(options.element)?.closest('dialog');
    let started = false;
    const start = async () => {
      if (started) return;
      started = true;
      observer.disconnect();
      addStylesheet(stylesheetUrl);
      const { PagefindUI: Real } = await import('@pagefind/default-ui/npm_dist/mjs/ui-core.mjs');
      // Pagefind answers a query in a few milliseconds once its index is loaded; its UI's default 300 ms pause
      // after each keystroke would be most of the wait.
      new Real({ ...options, autofocus: true, debounceTimeoutMs: 40 });
      const input = document.querySelector<HTMLInputElement>(`${options.element} input`);
      input?.focus();
      // The UI loads Pagefind (wasm, filters) on the input's focus event, but it focuses the input before it
      // listens, so the load would wait for the first keystroke. Start it now, while the reader types.
      input?.dispatchEvent(new FocusEvent('focus'));
    };
    const observer = new MutationObserver(() => { if (dialog?.open) void start(); });
    if (!dialog || dialog.open) void start();
    else observer.observe(dialog, { attributes: true, attributeFilter: ['open'] });
  }
}
