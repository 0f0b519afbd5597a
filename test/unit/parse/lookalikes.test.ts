import { describe, expect, it } from 'vitest';
import { describeLookalike } from '../../../src/lib/parse/lookalikes.ts';
import { prepareSource } from '../../../src/lib/parse/source-view.ts';

describe('look-alike characters', () => {
  it('names the code point', () => {
    expect(describeLookalike('\u2013')).toBe("U+2013 (en dash '\u2013')");
    expect(describeLookalike('\u00a0')).toBe('U+00A0 (no-break space)');
  });

  it('ignores comments and, in main.cf, dashes inside values', () => {
    const v = prepareSource('# \u2014 fine\nsmtpd_banner = a \u2014 b\nsmtpd_tls_auth_only\u00a0= yes\n', 'main');
    expect(v.lookalikes.map((l) => [l.line, l.column])).toEqual([[3, 20]]);
    expect(v.lines[2]).toBe('smtpd_tls_auth_only = yes');
  });

  it('removes zero-width characters but keeps original columns', () => {
    const v = prepareSource('smtpd_tls\u200b_loglevel = 1\n', 'main');
    expect(v.lines[0]).toBe('smtpd_tls_loglevel = 1');
    expect(v.toOriginal(1, 22)).toEqual({ line: 1, column: 23 });
    expect(v.lookalikes[0]).toMatchObject({ line: 1, column: 10 });
  });
});
