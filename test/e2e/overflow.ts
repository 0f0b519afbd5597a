// Horizontal overflow of a built page: shared by the overflow e2e test and ad-hoc runs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The viewports every page must fit: a phone, a desktop, and a 1280 px window at 200 % zoom. */
export const viewports = [
  { name: 'phone 390×844', width: 390, height: 844 },
  { name: 'desktop 1280×800', width: 1280, height: 800 },
  // Browser zoom at 200 % halves the CSS pixels of the window: the layout of a 640 px wide viewport.
  { name: '200 % zoom of 1280×800', width: 640, height: 400 },
] as const;

/**
 * Every page of the built site as a URL path ("/", "/parameters/x/", "/404.html"), without the
 * redirect-only pages (a meta refresh and nothing to lay out).
 */
export function builtPages(dist: string): string[] {
  return readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.html') && !f.startsWith('_astro') && !f.startsWith('pagefind'))
    .filter((f) => !/<meta http-equiv="refresh"/.test(readFileSync(join(dist, f), 'utf8').slice(0, 4000)))
    .map((f) => `/${f.replace(/\\/g, '/').replace(/(^|\/)index\.html$/, '$1')}`)
    .sort();
}

/**
 * Runs in the page: what sticks out sideways. Empty when nothing does. Checks the document (no
 * sideways scrolling) and each content column (`.sl-container` in main and in the right sidebar):
 * a descendant that is not inside its own scroll box and reaches past the column's edge is named.
 * A string, evaluated as-is, because the page's CSP forbids the eval that function arguments need.
 */
export const overflowProbe = `(() => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) out.push('document scrolls sideways: ' + doc.scrollWidth + ' > ' + doc.clientWidth);
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + [...el.classList].filter((c) => !c.startsWith('astro-')).map((c) => '.' + c).join('');
  const columns = [...document.querySelectorAll('main .sl-container, .right-sidebar .sl-container')]
    .filter((c) => c.getClientRects().length > 0);
  for (const col of columns) {
    const box = col.getBoundingClientRect();
    if (col.scrollWidth <= col.clientWidth + 1) continue;
    // Someone inside reaches out: find the outermost offenders, not descending into scroll boxes.
    const found = [];
    const walk = (el) => {
      for (const child of el.children) {
        const r = child.getBoundingClientRect();
        const style = getComputedStyle(child);
        if (style.position === 'fixed' || (r.width === 0 && r.height === 0)) continue;
        if (r.right > box.right + 1 || r.left < box.left - 1) { found.push(describe(el) + ' > ' + describe(child) + ' (' + Math.round(r.left) + '..' + Math.round(r.right) + ')'); continue; }
        if (style.overflowX === 'visible' && child.scrollWidth > child.clientWidth + 1) {
          const before = found.length;
          walk(child);
          // Text that runs out of its box has no element of its own: name the box.
          if (found.length === before && r.left + child.scrollWidth > box.right + 1) found.push(describe(child) + ' (text ' + Math.round(r.left + child.scrollWidth) + ')');
        }
      }
    };
    walk(col);
    out.push(describe(col) + ' [' + Math.round(box.left) + '..' + Math.round(box.right) + '] overflows: ' + (found.slice(0, 5).join(', ') || 'scrollWidth ' + col.scrollWidth + ' > ' + col.clientWidth));
  }
  return out;
})()`;
