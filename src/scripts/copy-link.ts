// Adds a "copy link" button to every section heading that has an id, so a reader can paste a link to the
// exact section into a support answer. Progressive enhancement: without JS the heading anchors still work.
const COPIED_MS = 1500;

function enhance(heading: HTMLElement): void {
  const id = heading.id;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy-link';
  button.dataset.copyLink = id;
  const label = `Copy link to section “${heading.textContent?.trim() ?? id}”`;
  button.setAttribute('aria-label', label);
  button.title = label;
  button.textContent = '🔗';
  button.addEventListener('click', async () => {
    const url = `${location.origin}${location.pathname}#${id}`;
    try {
      await navigator.clipboard.writeText(url);
      button.textContent = '✓';
      button.setAttribute('aria-label', 'Link copied');
    } catch {
      // Clipboard can be unavailable (insecure context); fall back to navigating so the URL bar has it.
      location.hash = id;
    }
    setTimeout(() => { button.textContent = '🔗'; button.setAttribute('aria-label', label); }, COPIED_MS);
  });
  const wrapper = heading.closest('.sl-heading-wrapper') ?? heading;
  wrapper.append(button);
}

for (const h of document.querySelectorAll<HTMLElement>('.sl-markdown-content :is(h2, h3)[id]')) enhance(h);
