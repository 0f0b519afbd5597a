// Pagefind's search box is labelled only by its title attribute; give it a real accessible name once the
// search UI has been created (it is built lazily when the dialog first opens).
const LABEL = 'Search parameters, recipes and rules';

function label(root: ParentNode): boolean {
  const input = root.querySelector<HTMLInputElement>('.pagefind-ui__search-input');
  if (!input) return false;
  input.setAttribute('aria-label', LABEL);
  return true;
}

const host = document.querySelector('site-search');
if (host && !label(host)) {
  const observer = new MutationObserver(() => { if (label(host)) observer.disconnect(); });
  observer.observe(host, { childList: true, subtree: true });
}
