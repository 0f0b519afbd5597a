import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logFromFragment, logToFragment, MAX_FRAGMENT_CHARS } from '../../src/lib/explain/fragment.ts';
import { escapeHtml, renderParagraphs, renderTemplate } from '../../src/lib/explain/render.ts';

describe('renderTemplate', () => {
  it('renders code spans, strong, emphasis and site or https links', () => {
    expect(renderTemplate('Set `smtpd_tls_loglevel = 1` **now**, *please*; see [the page](/parameters/x/) or [docs](https://www.postfix.org/).'))
      .toBe('Set <code>smtpd_tls_loglevel = 1</code> <strong>now</strong>, <em>please</em>; see <a href="/parameters/x/">the page</a> or <a href="https://www.postfix.org/">docs</a>.');
  });

  it('does not turn other link targets into links', () => {
    expect(renderTemplate('[x](javascript:alert(1)) [y](//evil.example/)')).not.toContain('<a');
  });

  it('escapes HTML in the template', () => {
    expect(renderTemplate('a <b> & "c"')).toBe('a &lt;b&gt; &amp; &quot;c&quot;');
  });

  it('inserts field values escaped and never interprets them as Markdown or HTML', () => {
    const html = renderTemplate('From {peer} with `{cipher}`.', { peer: '<img src=x onerror=alert(1)>**bold**', cipher: '`x`<i>' });
    expect(html).toBe('From <span class="field">&lt;img src=x onerror=alert(1)&gt;**bold**</span> with <code><span class="field">`x`&lt;i&gt;</span></code>.');
  });

  it('shows placeholders as <var> without fields and leaves unknown names as written', () => {
    expect(renderTemplate('From {peer}.')).toBe('From <var>peer</var>.');
    expect(renderTemplate('From {peer} {other}.', { peer: 'p' })).toBe('From <span class="field">p</span> {other}.');
  });

  it('never lets arbitrary field values produce tags (property)', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      const html = renderTemplate('`{a}` **{b}** [{a}](/x/) {b}', { a, b });
      const withoutOwnTags = html.replace(/<\/?(?:code|strong|em|span class="field"|span|a href="\/x\/"|a)>/g, '');
      expect(withoutOwnTags).not.toMatch(/[<>]/);
    }), { numRuns: 300 });
  });

  it('renderParagraphs wraps each line-separated paragraph in <p>', () => {
    expect(renderParagraphs('One {x}.\nTwo.', { x: '1' })).toBe('<p>One <span class="field">1</span>.</p><p>Two.</p>');
  });

  it('escapeHtml escapes the five special characters', () => {
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });
});

describe('URL fragment', () => {
  it('round-trips text through "#log="', () => {
    const text = 'Nov 23 18:35:35 mx postfix/smtpd[1]: Anonymous TLS connection established from x[1.2.3.4]: TLSv1.3 #1 %20 &a=b\r\nline 2';
    const hash = logToFragment(text)!;
    expect(hash.startsWith('#log=')).toBe(true);
    expect(hash.slice(1)).not.toMatch(/[\s#?&]/);
    expect(logFromFragment(hash)).toBe(text);
  });

  it('round-trips any text (property), replacing only lone surrogates', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      const hash = logToFragment(text);
      if (text === '') {
        expect(hash).toBe('');
        return;
      }
      expect(logFromFragment(hash!)).toBe(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
    }), { numRuns: 300 });
  });

  it('returns null for other fragments and never throws on malformed ones', () => {
    expect(logFromFragment('')).toBeNull();
    expect(logFromFragment('#pattern-x')).toBeNull();
    expect(logFromFragment('#log=100%25%zz%E2%82')).toBe('100%%zz%E2%82');
  });

  it('refuses to build a fragment longer than the limit', () => {
    expect(logToFragment('x'.repeat(MAX_FRAGMENT_CHARS))).toBeNull();
  });
});

describe('results summary', () => {
  it('counts lines the way the live region announces them', async () => {
    const { summaryText } = await import('../../src/lib/explain/page.ts');
    const { explainLog } = await import('../../src/lib/explain/explain-log.ts');
    const patterns = [{ id: 'p', title: 'P', match: 'SSL_accept error from (?<peer>\\S+): -1', severity: 'warning' as const, explanation: 'x {peer}', next_steps: [], parameters: [] }];
    expect(summaryText(explainLog('', patterns))).toBe('Paste log lines above to see them explained.');
    expect(summaryText(explainLog('SSL_accept error from a[1.2.3.4]: -1\n\nTLS?\nhello\nhi', patterns)))
      .toBe('4 lines: 1 line explained (1 warning), 1 TLS line not recognised, 2 lines not about TLS.');
  });
});
