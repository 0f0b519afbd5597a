// Stands in for `@pagefind/default-ui` (aliased in astro.config.mjs). Starlight builds the search UI when the
// page goes idle, which downloads ~30 KB of script on every page view; this wrapper defers the real UI until
// the reader opens the search dialog, so reference pages stay light. The options are passed through as is.

type Options = { element: string; [key: string]: unknown };

export class PagefindUI {
  constructor(options: Options) {
    const dialog = document.querySelector(options.element)?.closest('dialog');
    let started = false;
    const start = async () => {
      if (started) return;
      started = true;
      observer.disconnect();
      const { PagefindUI: Real } = await import('@pagefind/default-ui/npm_dist/mjs/ui-core.mjs');
      new Real({ ...options, autofocus: true });
      document.querySelector<HTMLInputElement>(`${options.element} input`)?.focus();
    };
    const observer = new MutationObserver(() => { if (dialog?.open) void start(); });
    if (!dialog || dialog.open) void start();
    else observer.observe(dialog, { attributes: true, attributeFilter: ['open'] });
  }
}
