// The search box's query handling (src/lib/search/query.ts): log-line recognition, the words a query is
// searched by, near misses of parameter names, and the ranking of pages by the words they contain.
import { describe, expect, it } from 'vitest';
import { leadWithNamed, logLineMessage, nearMissName, queryWords, rankByWords } from '../../src/lib/search/query.ts';

describe('search query handling', () => {
  it('recognises pasted Postfix log lines and warnings, not questions', () => {
    expect(logLineMessage('Nov 23 18:41:03 mx postfix/smtpd[31375]: warning: TLS library problem: no shared cipher')).toBe('warning: TLS library problem: no shared cipher');
    expect(logLineMessage('2026-11-23T18:41:03.123456+00:00 mx postfix/smtp[1]: Trusted TLS connection established to x[192.0.2.1]:25')).toBe('Trusted TLS connection established to x[192.0.2.1]:25');
    expect(logLineMessage('warning: cannot get RSA certificate from file fullchain.pem: disabling TLS support')).not.toBeNull();
    expect(logLineMessage('delivery temporarily suspended: Server certificate not verified')).not.toBeNull();
    expect(logLineMessage('how do I require TLS on port 587')).toBeNull();
    expect(logLineMessage('no shared cipher')).toBeNull();
  });

  it('searches by the informative words only', () => {
    expect(queryWords('How do I set up DANE/TLSA for outgoing-mails with the Postfix config?')).toEqual(['set', 'up', 'dane', 'tlsa', 'outgoing', 'mails', 'postfix']);
    expect(queryWords('Nov 23 18:41:03 mx postfix/smtpd[31375]: lost connection after STARTTLS from unknown[192.0.2.1]')).toEqual(['lost', 'connection', 'after', 'starttls', 'unknown']);
    expect(queryWords('454 4.7.0 TLS not available')).toEqual(['454', '4.7.0', 'tls', 'not', 'available']);
    expect(queryWords('smtp_tls_CAfile')).toEqual(['smtp_tls_cafile']);
  });

  it('offers the real name for a near miss, not for an exact name or ordinary words', () => {
    const names = ['smtpd_tls_security_level', 'smtp_tls_security_level', 'smtp_tls_CAfile'];
    expect(nearMissName('smtpd_tls_security_levle', names)).toBe('smtpd_tls_security_level');
    expect(nearMissName('smtp_tls_CAfiel', names)).toBe('smtp_tls_CAfile');
    expect(nearMissName('smtpd_tls_security_level', names)).toBeUndefined();
    expect(nearMissName('certificate', names)).toBeUndefined();
    expect(nearMissName('smtpd_tls_security_level may', names)).toBeUndefined();
  });

  it('ranks pages by the rare words they contain; a word on every page counts for little', () => {
    const everywhere = Array.from({ length: 100 }, (_, i) => ({ id: `p${i}`, score: 1 }));
    const ranked = rankByWords([
      { word: 'postfix', pages: everywhere },
      { word: 'certbot', pages: [{ id: 'p7', score: 5 }, { id: 'p3', score: 1 }] },
      { word: 'fullchain', pages: [{ id: 'p7', score: 4 }] },
    ], 100);
    expect(ranked[0]).toMatchObject({ id: 'p7', matched: 3 });
    expect(ranked[1]).toMatchObject({ id: 'p3', matched: 2 });
    // A page with only the common word ranks far below.
    expect(ranked[2]!.score).toBeLessThan(ranked[1]!.score / 5);
  });

  it('puts the pages of named parameters first, after at most one page that answers more of the question', () => {
    const ranked = [{ id: 'recipe-a' }, { id: 'index' }, { id: 'recipe-b' }, { id: 'param' }];
    // No page answers more: the parameter page leads, the others keep their order.
    expect(leadWithNamed(ranked, ['param'], () => false).map((r) => r.id)).toEqual(['param', 'recipe-a', 'index', 'recipe-b']);
    // The best ranked page that answers more goes first, and only that one page stays ahead of the name.
    expect(leadWithNamed(ranked, ['param'], (id) => id.startsWith('recipe')).map((r) => r.id)).toEqual(['recipe-a', 'param', 'index', 'recipe-b']);
    expect(leadWithNamed(ranked, ['param'], (id) => id === 'recipe-b').map((r) => r.id)).toEqual(['recipe-b', 'param', 'recipe-a', 'index']);
    // Several names: their pages in the given ranking's order; a named page missing from the ranking is skipped.
    expect(leadWithNamed([...ranked, { id: 'param-2' }], ['param-2', 'param', 'gone'], () => false).map((r) => r.id)).toEqual(['param', 'param-2', 'recipe-a', 'index', 'recipe-b']);
    // No named page in the ranking: the ranking unchanged, even if a page would answer more.
    expect(leadWithNamed(ranked, ['gone'], () => true)).toEqual(ranked);
  });
});
