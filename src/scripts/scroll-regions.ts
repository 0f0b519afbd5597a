// A code block or table that scrolls sideways (on a phone, say) must be reachable from the keyboard, or
// its hidden part cannot be read without a mouse: it gets tabindex="0" while it scrolls and loses it when
// it fits. Expressive Code does the same for its own blocks; this covers the other <pre> and <table>
// elements in the content column, including those a page adds later (the checker's excerpts).
const selector = '.sl-markdown-content :is(pre, table):not(.expressive-code *)';

function update(el: Element) {
  const scrolls = el.scrollWidth > el.clientWidth + 1;
  if (scrolls && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '0');
  else if (!scrolls && el.getAttribute('tabindex') === '0') el.removeAttribute('tabindex');
}

const resized = new ResizeObserver((entries) => { for (const e of entries) update(e.target); });
const watch = (root: ParentNode) => { for (const el of root.querySelectorAll(selector)) resized.observe(el); };
watch(document);
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) if (n instanceof Element) {
    if (n.matches(selector)) resized.observe(n);
    watch(n);
  }
}).observe(document.body, { childList: true, subtree: true });
