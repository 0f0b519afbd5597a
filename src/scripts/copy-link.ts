// Adds a "copy link" button to every section heading that has an id, so a reader can paste a link to the
// exact section into a support answer. Progressive enhancement: without JS the heading anchors still work.
const COPIED_MS = 1500;
// Inline SVG so the icon does not depend on an emoji font being installed.
const LINK_ICON = '<svg aria-hidden="true" width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M10 13a5 5 0 0 0 7 0l3-3a5 5 0 0 0-7-7l-1 1"/><path d="M14 11a5 5 0 0 0-7 0l-3 3a5 5 0 0 0 7 7l1-1"/></svg>';
const DONE_ICON = '<svg aria-hidden="true" width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M4 12l5 5L20 6"/></svg>';

function enhance(heading: HTMLElement): void {
  const id = heading.id;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy-link';
  button.dataset.copyLink = id;
  const label = `Copy link to section “${heading.textContent?.trim() ?? id}”`;
  button.setAttribute('aria-label', label);
  button.title = label;
  button.innerHTML = LINK_ICON;
  button.addEventListener('click', async () => {
    const url = `${location.origin}${location.pathname}#${id}`;
    try {
      await navigator.clipboard.writeText(url);
      button.innerHTML = DONE_ICON;
      button.setAttribute('aria-label', 'Link copied');
    } catch {
      // Clipboard can be unavailable (insecure context); fall back to navigating so the URL bar has it.
      location.hash = id;
    }
    setTimeout(() => { button.innerHTML = LINK_ICON; button.setAttribute('aria-label', label); }, COPIED_MS);
  });
  const wrapper = heading.closest('.sl-heading-wrapper') ?? heading;
  wrapper.append(button);
}

for (const h of document.querySelectorAll<HTMLElement>('.sl-markdown-content :is(h2, h3)[id]')) enhance(h);
