// The 404 page's suggestion and the per-line code markup behind the print layout.
import { describe, expect, it } from 'vitest';
import { suggestPage, type PageIndex } from '../../src/lib/page-suggest.ts';
import { codeLines, rehypeCodeLines } from '../../src/utils/code-lines.ts';

const index: PageIndex = {
  parameters: [['smtpd_tls_security_level', '/parameters/smtpd_tls_security_level/'], ['smtp_tls_CAfile', '/parameters/smtp_tls_cafile/'], ['lmtp_tls_CAfile', '/parameters/lmtp_tls_cafile/']],
  rules: [['tls-required-on-mx', '/rules/tls-required-on-mx/']],
  recipes: [['outbound-dane', '/recipes/outbound-dane/'], ['outbound-opportunistic-tls', '/recipes/outbound-opportunistic-tls/']],
  'security-levels': [['verify', '/security-levels/verify/'], ['secure', '/security-levels/secure/']],
  pages: [['parameters', '/parameters/'], ['check', '/check/']],
};

describe('the 404 suggestion', () => {
  it('finds the nearest name within the section the address names', () => {
    expect(suggestPage('/parameters/smtpd_tls_securty_level/', index)).toEqual({ name: 'smtpd_tls_security_level', path: '/parameters/smtpd_tls_security_level/', section: 'parameter' });
    expect(suggestPage('/p/smtp_tls_cafiel/', index)?.name).toBe('smtp_tls_CAfile');
    expect(suggestPage('/rules/tls-requred-on-mx/', index)?.path).toBe('/rules/tls-required-on-mx/');
    expect(suggestPage('/security-levels/verfy/', index)?.name).toBe('verify');
  });

  it('accepts a cut-off or lengthened address when one name fits', () => {
    expect(suggestPage('/recipes/outbound-dane-tls/', index)?.name).toBe('outbound-dane');
    expect(suggestPage('/recipes/outbound-opport/', index)?.name).toBe('outbound-opportunistic-tls');
    expect(suggestPage('/recipes/outbound/', index)).toBeUndefined(); // two recipes fit
  });

  it('corrects a mistyped section, and finds a name typed anywhere', () => {
    expect(suggestPage('/paramters/', index)).toEqual({ name: 'parameters', path: '/parameters/', section: 'page' });
    expect(suggestPage('/paramters/smtpd_tls_security_level/', index)?.path).toBe('/parameters/smtpd_tls_security_level/');
    expect(suggestPage('/smtpd_tls_securty_level', index)?.path).toBe('/parameters/smtpd_tls_security_level/');
    expect(suggestPage('/chek/', index)?.path).toBe('/check/');
  });

  it('suggests nothing when nothing is close', () => {
    expect(suggestPage('/', index)).toBeUndefined();
    expect(suggestPage('/parameters/completely_different_name/', index)).toBeUndefined();
    expect(suggestPage('/%E0%A4%A/', index)).toBeUndefined();
  });
});

describe('code lines for print', () => {
  it('gives each line a hanging indent of its own indentation plus four columns', () => {
    expect(codeLines('smtp inet n - y - - smtpd\n  -o a=b\n\tx')).toEqual([
      { text: 'smtp inet n - y - - smtpd', hang: '4ch' },
      { text: '  -o a=b', hang: '6ch' },
      { text: '\tx', hang: '6ch' },
    ]);
  });

  it('wraps the text of pre > code in one span per line, keeping the text itself unchanged', () => {
    const text = 'a = b\n  c\n';
    const tree = { type: 'root', children: [{ type: 'element', tagName: 'pre', children: [{ type: 'element', tagName: 'code', children: [{ type: 'text', value: text }] }] }] };
    rehypeCodeLines()(tree);
    const code = tree.children[0]!.children[0]! as unknown as { children: { properties: { style: string }; children: { value: string }[] }[] };
    expect(code.children.map((s) => s.children[0]!.value).join('')).toBe(text);
    expect(code.children.map((s) => s.properties.style)).toEqual(['--hang:4ch', '--hang:6ch']);
  });
});
