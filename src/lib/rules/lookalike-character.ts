import type { RuleFinding } from '../engine-types.ts';
import { asciiAdvice, describeLookalike, lookalikeOf } from '../parse/lookalikes.ts';
import type { SourceView } from '../parse/source-view.ts';
import type { Rule } from './types.ts';

function findingsFor(file: string, view: SourceView): RuleFinding[] {
  return view.lookalikes.map((l) => {
    const info = lookalikeOf(l.char);
    const after = l.lineText.slice(l.column, l.column + 1);
    const dashOption = info?.cls === 'dash' && /[a-zA-Z]/.test(after) && (l.column === 1 || /\s/.test(l.lineText[l.column - 2] ?? ''));
    const meant = dashOption ? ` (you meant -${after})` : '';
    return {
      file, line: l.line, column: l.column, parameter: null,
      message: `${describeLookalike(l.char)} looks like ASCII but is not${meant}; Postfix reads it literally, so this line does not do what it appears to. Such characters usually come from copying text out of a web page or word processor.`,
      fix: `Type ${asciiAdvice(l.char)} in its place${dashOption ? `: -${after}` : ''}.`,
    };
  });
}

export const lookalikeCharacter: Rule = {
  id: 'lookalike-character',
  title: 'Character that only looks like ASCII',
  severity: 'warning',
  description:
    'Config snippets copied from web pages often carry en or em dashes instead of "-", curly quotes instead of '
    + 'straight ones, or no-break and zero-width spaces. They look right but Postfix reads them literally: "–o" is not '
    + 'the -o option, and a name containing a no-break space is a different name. The finding names the exact '
    + 'character (for example U+2013 en dash) and what to type instead. Comments are not checked.',
  example: {
    file: 'master',
    bad: 'submission inet n - y - - smtpd\n  –o smtpd_tls_security_level=encrypt',
    good: 'submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt',
  },
  check: ({ config }) => [
    ...config.mains.flatMap((m) => findingsFor(m.file, m.view)),
    ...config.masters.flatMap((m) => findingsFor(m.file, m.view)),
    ...config.policies.flatMap((t) => findingsFor(t.file, t.view)),
  ],
};
