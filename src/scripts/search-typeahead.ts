// Keystrokes typed into the search dialog before Pagefind's UI exists must not be lost. While the UI loads, a
// stand-in field takes the focus and the typing; src/scripts/lazy-pagefind-ui.ts moves its text and caret into
// the real field the moment that field is created.
const dialog = document.querySelector<HTMLDialogElement>('site-search dialog');
const searchHost = document.getElementById('starlight__search');

function standIn() {
  if (!dialog?.open || !searchHost || searchHost.querySelector('.pagefind-ui__search-input, .search-typeahead')) return;
  const input = Object.assign(document.createElement('input'), {
    type: 'text', className: 'search-typeahead', placeholder: 'Search', autocomplete: 'off', spellcheck: false,
  });
  input.setAttribute('aria-label', 'Search parameters, recipes and rules');
  searchHost.prepend(input);
  input.focus();
}

if (dialog && searchHost) {
  standIn();
  new MutationObserver(standIn).observe(dialog, { attributes: true, attributeFilter: ['open'] });
}
export {};
