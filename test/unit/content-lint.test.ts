import { describe, expect, it } from 'vitest';
import { formatProblem, loadContent, type SourceFile } from '../../src/lib/content-lint/index.ts';

const releases: SourceFile = {
  file: 'content/releases.yaml',
  text: '- version: "3.6"\n  date: "2021-04-29"\n  latest: "3.6.20"\n  supported: false\n- version: "3.7"\n  date: "2022-02-06"\n  latest: "3.7.22"\n  supported: false\n',
};

function param(name: string, extra = ''): SourceFile {
  return {
    file: `content/parameters/${name}.yaml`,
    text: [
      `name: ${name}`,
      'role: smtpd',
      'type: boolean',
      'defaults:',
      '  - from: "3.6"',
      '    value: "no"',
      'since: "3.6"',
      'summary: A test parameter used by the lint tests.',
      'description: Long enough description for the schema.',
      'example: "x = y"',
      'sources: [postconf(5)]',
      extra,
    ].join('\n'),
  };
}

const lint = (...files: SourceFile[]) => loadContent([releases, ...files]).problems.map(formatProblem);

describe('content lint', () => {
  it('accepts a valid parameter', () => {
    expect(lint(param('smtpd_a'))).toEqual([]);
  });

  it('names file, line and field for an unknown release', () => {
    const bad = param('smtpd_a');
    bad.text = bad.text.replace('since: "3.6"', 'since: "3.15"');
    expect(lint(bad)).toContain(
      'content/parameters/smtpd_a.yaml:7: field "since": "3.15" is not a known Postfix release (see content/releases.yaml)',
    );
  });

  it('reports a dangling related name on its own line', () => {
    const problems = lint(param('smtpd_a', 'related:\n  - smtpd_a_b\n  - smtpd_missing'), param('smtpd_a_b'));
    expect(problems).toEqual([
      'content/parameters/smtpd_a.yaml:14: field "related.1": "smtpd_missing" is not a known parameter (no content/parameters/smtpd_missing.yaml)',
    ]);
  });

  it('requires a replacement (or a note) for a deprecated entry', () => {
    const problems = lint(param('smtpd_a', 'deprecated:\n  since: "3.7"\n  replacement: []'));
    expect(problems).toEqual([
      'content/parameters/smtpd_a.yaml:14: field "deprecated.replacement": name the replacement parameter(s), or explain in "note" why there is none',
    ]);
  });

  it('holds SMTP/LMTP twins to the same "since" (except SMTP-only TLS in 2.2)', () => {
    const twin = (name: string, role: string, other: string, since: string): SourceFile => {
      const f = param(name, `twin: ${other}`);
      return { ...f, text: f.text.replace('role: smtpd', `role: ${role}`).replaceAll('"3.6"', `"${since}"`) };
    };
    expect(lint(twin('smtp_x', 'smtp', 'lmtp_x', '3.6'), twin('lmtp_x', 'lmtp', 'smtp_x', '3.6'))).toEqual([]);
    expect(lint(twin('smtp_x', 'smtp', 'lmtp_x', '3.7'), twin('lmtp_x', 'lmtp', 'smtp_x', '3.6')).sort()).toEqual([
      'content/parameters/lmtp_x.yaml:7: field "since": "3.6" differs from its twin smtp_x ("3.7")',
      'content/parameters/smtp_x.yaml:7: field "since": "3.7" differs from its twin lmtp_x ("3.6")',
    ]);
  });

  it('holds SMTP/LMTP twins to the same type and the same allowed values', () => {
    const twin = (name: string, role: string, other: string, type: string, values: string[]): SourceFile => {
      const f = param(name, `twin: ${other}${values.length ? `\nvalues:\n${values.map((v) => `  - value: "${v}"\n    meaning: Level ${v}.`).join('\n')}` : ''}`);
      return { ...f, text: f.text.replace('role: smtpd', `role: ${role}`).replace('type: boolean', `type: ${type}`) };
    };
    // Same type and values, listed in another order: fine.
    expect(lint(twin('smtp_x', 'smtp', 'lmtp_x', 'enum', ['0', '1']), twin('lmtp_x', 'lmtp', 'smtp_x', 'enum', ['1', '0']))).toEqual([]);
    // The type labels of lmtp_tls_loglevel and smtp_tls_loglevel once differed like this.
    expect(lint(twin('smtp_x', 'smtp', 'lmtp_x', 'integer', ['0', '1']), twin('lmtp_x', 'lmtp', 'smtp_x', 'enum', ['0', '1'])).sort()).toEqual([
      'content/parameters/lmtp_x.yaml:3: field "type": "enum" differs from its twin smtp_x ("integer"); both are read by the same client and take the same values',
      'content/parameters/smtp_x.yaml:3: field "type": "integer" differs from its twin lmtp_x ("enum"); both are read by the same client and take the same values',
    ]);
    // Values listed on one side only, or different ones.
    expect(lint(twin('smtp_x', 'smtp', 'lmtp_x', 'enum', ['0', '1', '2']), twin('lmtp_x', 'lmtp', 'smtp_x', 'enum', ['0', '3'])).sort()).toEqual([
      'content/parameters/lmtp_x.yaml:13: field "values": the allowed values differ from its twin smtp_x (only here: 3; only in smtp_x: 1, 2)',
      'content/parameters/smtp_x.yaml:13: field "values": the allowed values differ from its twin lmtp_x (only here: 1, 2; only in lmtp_x: 3)',
    ]);
    expect(lint(twin('smtp_x', 'smtp', 'lmtp_x', 'list', ['a']), twin('lmtp_x', 'lmtp', 'smtp_x', 'list', []))).toContain(
      'content/parameters/lmtp_x.yaml:3: field "values": the allowed values differ from its twin smtp_x (only in smtp_x: a)',
    );
  });

  it('requires a recipe to be proven on the oldest and newest matrix release of its range', () => {
    const recipe = (from: string, releases: string): SourceFile => ({
      file: 'content/recipes/r.md',
      text: ['---', 'title: A recipe for the lint tests', 'summary: Long enough summary for the recipe schema.',
        'postfix:', `  from: "${from}"`, 'parameters: [smtpd_a]', 'proof:', '  test: r', `  releases: [${releases}]`,
        '  checks: [The test checks something real.]', '---', 'Body.', ''].join('\n'),
    });
    expect(lint(param('smtpd_a'), recipe('3.6', '"3.6.20", "3.7.22", "3.7.11-debian"'))).toEqual([]);
    expect(lint(param('smtpd_a'), recipe('3.7', '"3.7.22", "3.7.11-debian"'))).toEqual([]);
    expect(lint(param('smtpd_a'), recipe('3.6', '"3.7.22", "3.7.11-debian"'))).toEqual([
      `content/recipes/r.md:9: field "proof.releases": must include 3.6.20, the oldest release of the recipe's range (3.6 and later) that the matrix builds`,
    ]);
    expect(lint(param('smtpd_a'), recipe('3.6', '"3.6.20", "3.7.21"'))).toEqual([
      `content/recipes/r.md:9: field "proof.releases.1": the release matrix builds 3.7.22, not 3.7.21`,
      `content/recipes/r.md:9: field "proof.releases": must include 3.7.22, the newest release of the recipe's range (3.6 and later) that the matrix builds`,
    ]);
  });

  it('reports schema errors with the field line, not a stack trace', () => {
    const bad = param('smtpd_a');
    bad.text = bad.text.replace('role: smtpd', 'role: server');
    const [problem] = lint(bad);
    expect(problem).toMatch(/^content\/parameters\/smtpd_a\.yaml:2: field "role": must be one of: "smtpd"/);
  });

  it('reports unknown fields and a name that differs from the file name', () => {
    const bad = param('smtpd_a', 'colour: blue');
    bad.file = 'content/parameters/smtpd_b.yaml';
    expect(lint(bad)).toEqual([
      'content/parameters/smtpd_b.yaml:1: field "colour": unknown field (allowed fields are listed in src/lib/schema/)',
    ]);
    const renamed = param('smtpd_a');
    renamed.file = 'content/parameters/smtpd_b.yaml';
    expect(lint(renamed)).toEqual([
      'content/parameters/smtpd_b.yaml:1: field "name": "smtpd_a" must equal the file name "smtpd_b"',
    ]);
  });

  it('turns YAML syntax errors into positioned problems', () => {
    const problems = lint({ file: 'content/parameters/x.yaml', text: 'name: x\nrole: [unclosed\n' });
    expect(problems[0]).toMatch(/^content\/parameters\/x\.yaml:\d+: YAML syntax: /);
  });
});
