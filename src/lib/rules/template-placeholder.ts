import type { RuleFinding } from '../engine-types.ts';
import type { Assignment } from '../parse/main-cf.ts';
import type { SourceView } from '../parse/source-view.ts';
import { placeholderKey } from '../parse/templates.ts';
import type { Rule } from './types.ts';

const syntaxName: Record<string, string> = {
  jinja: 'Jinja', go: 'Go template', erb: 'ERB', percent: 'template variable', 'ph-token': 'placeholder token', dunder: 'placeholder token',
};

function findingsFor(file: string, view: SourceView, macros: readonly Assignment[] = []): RuleFinding[] {
  const seen = new Set<string>();
  const out: RuleFinding[] = [];
  for (const p of view.placeholders) {
    const key = placeholderKey(p.text);
    if (seen.has(key)) continue;
    seen.add(key);
    const shown = p.text.length > 60 ? `${p.text.slice(0, 59)}…` : p.text;
    const macro = macros.find((a) => a.line === p.line);
    if (macro) {
      out.push({
        file, line: p.line, column: p.column, parameter: macro.name,
        message: macro.valueTemplated
          ? `Template macro ${JSON.stringify(shown)} writes ${macro.name} with a value known only after rendering; the name was checked, the value was not.`
          : `Template macro ${JSON.stringify(shown)} writes ${macro.name}; it was checked with the default in the template (${JSON.stringify(macro.value)}), which the rendered file may replace.`,
        fix: 'Check the rendered file as well to cover the values your deployment sets.',
      });
      continue;
    }
    out.push({
      file, line: p.line, column: p.column, parameter: null,
      message: `${syntaxName[p.syntax] ?? 'Template'} placeholder ${JSON.stringify(shown)}: its value is only known after rendering, so settings that depend on it were not checked. Later uses of the same placeholder are not reported again.`,
      fix: 'Check the rendered file as well (for example the output of your configuration tool) to cover these values.',
    });
  }
  return out;
}

export const templatePlaceholder: Rule = {
  id: 'template-placeholder',
  title: 'Template placeholder',
  severity: 'info',
  description:
    'Many main.cf and master.cf files are templates (Jinja, ERB, Go templates, %{var} or PH_* tokens) that a deployment '
    + 'tool renders. The checker reads everything around the placeholders, reports each placeholder once, and skips '
    + 'only the checks that need its value. Lines in different branches of an if/else are not treated as duplicates.',
  example: {
    file: 'main',
    bad: 'smtpd_tls_cert_file = {{ tls_cert }}',
    good: 'smtpd_tls_cert_file = /etc/letsencrypt/live/mail.example.com/fullchain.pem',
  },
  check: ({ config }) => [
    ...config.mains.flatMap((m) => findingsFor(m.file, m.view, m.assignments.filter((a) => a.viaMacro))),
    ...config.masters.flatMap((m) => findingsFor(m.file, m.view)),
    ...config.policies.flatMap((t) => findingsFor(t.file, t.view)),
  ],
};
