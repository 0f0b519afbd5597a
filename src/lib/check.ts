import { buildEffectiveConfig, type EffectiveConfig } from './config/effective.ts';
import { ruleDocsUrl, type Finding, type InputFile } from './engine-types.ts';
import { newestRelease, resolveVersion, type Facts } from './facts.ts';
import { parseMainCf } from './parse/main-cf.ts';
import { parseMasterCf } from './parse/master-cf.ts';
import { parsePolicyTable } from './parse/policy-table.ts';
import { rules as allRules, type Rule } from './rules/index.ts';

export interface CheckOptions {
  files: readonly InputFile[];
  facts: Facts;
  /** Target Postfix release: "3.7.11", or a line ("3.7", its newest patch release); default: the newest release. */
  postfix?: string;
  /** Used when main.cf does not set compatibility_level; defaults to the data's default. */
  compatibilityLevel?: string;
  /** Run only these rules (tests); default: all. */
  rules?: readonly Rule[];
}

export interface Analysis {
  findings: Finding[];
  config: EffectiveConfig;
}

/** Reasons an option is unusable, worded for a command line; empty when the options are fine. */
export function optionProblems(opts: Pick<CheckOptions, 'facts' | 'postfix' | 'compatibilityLevel'>): string[] {
  const problems: string[] = [];
  const versions = opts.facts.releases.map((r) => r.version);
  if (versions.length === 0) problems.push('the content data has no Postfix releases');
  if (opts.postfix !== undefined && !resolveVersion(opts.facts, opts.postfix)) {
    problems.push(`unknown Postfix release "${opts.postfix}"; known: ${versions.join(', ')} (or a patch release such as ${opts.facts.releases.at(-1)?.latest ?? '3.11.6'})`);
  }
  if (opts.compatibilityLevel !== undefined && !/^(0|1|2|3\.\d{1,2})$/.test(opts.compatibilityLevel)) {
    problems.push(`"${opts.compatibilityLevel}" is not a compatibility_level (0, 1, 2 or 3.x)`);
  }
  return problems;
}

/** Parses the files, works out the effective configuration and runs the rules. */
export function analyze(opts: CheckOptions): Analysis {
  const problems = optionProblems(opts);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  const version = resolveVersion(opts.facts, opts.postfix ?? newestRelease(opts.facts))!;
  const order = new Map(opts.files.map((f, i) => [f.name, i]));
  const config = buildEffectiveConfig({
    facts: opts.facts, version, compatibilityLevel: opts.compatibilityLevel,
    mains: opts.files.filter((f) => f.kind === 'main').map((f) => parseMainCf(f.text, f.name)),
    masters: opts.files.filter((f) => f.kind === 'master').map((f) => parseMasterCf(f.text, f.name)),
    policies: opts.files.filter((f) => f.kind === 'policy').map((f) => parsePolicyTable(f.text, f.name)),
  });
  const ctx = { facts: opts.facts, version, config };
  const findings: Finding[] = [];
  for (const rule of opts.rules ?? allRules) {
    for (const f of rule.check(ctx)) {
      findings.push({
        file: f.file, line: f.line, column: f.column, severity: rule.severity, rule: rule.id,
        parameter: f.parameter, message: f.message, fix: f.fix, docs: ruleDocsUrl(rule.id),
      });
    }
  }
  findings.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0)
    || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return { findings, config };
}

/** Findings for a set of Postfix files, sorted by file (in the order given), line and column. */
export function check(opts: CheckOptions): Finding[] {
  return analyze(opts).findings;
}
