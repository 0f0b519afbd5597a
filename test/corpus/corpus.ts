import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { check } from '../../src/lib/check.ts';
import type { FileKind, Finding, Severity } from '../../src/lib/engine-types.ts';
import type { Facts } from '../../src/lib/facts.ts';

/**
 * The project's own corpus of real-world Postfix configurations (test/corpus/, sources and licences in
 * SOURCES.md) and the reviewed verdict on every finding the checker reports on it (verdicts.yaml). The unit
 * tier and scripts/corpus-report.ts both read it through this module.
 */

export const corpusDir = import.meta.dirname;

export interface CorpusFile { path: string; kind: FileKind }

/** One deployment per entry: its files are checked together, as they would be installed. */
export const corpusProjects: Record<string, CorpusFile[]> = {
  'LukeSmithxyz__emailwiz': [
    { path: 'emailwiz.sh.DERIVED-tls-main.cf', kind: 'main' },
    { path: 'emailwiz.sh.DERIVED-master.cf', kind: 'master' },
  ],
  'Mailu__Mailu': [
    { path: 'core__postfix__conf__main.cf', kind: 'main' },
    { path: 'core__postfix__conf__master.cf', kind: 'master' },
  ],
  'Oefenweb__ansible-postfix': [{ path: 'templates__etc__postfix__main.cf.j2', kind: 'main' }],
  'YunoHost__yunohost': [
    { path: 'conf__postfix__main.cf', kind: 'main' },
    { path: 'conf__postfix__plain__master.cf', kind: 'master' },
  ],
  'apache__puppet-postfix': [
    { path: 'templates__main.cf.erb', kind: 'main' },
    { path: 'templates__master.cf.erb', kind: 'master' },
  ],
  'bodsch__ansible-postfix': [{ path: 'templates__etc__postfix__main.cf.d__tls.j2', kind: 'main' }],
  'bokysan__docker-postfix': [{ path: 'examples__docker__mail-station__postfix__smtp_tls_policy', kind: 'policy' }],
  'csware__postfix-tls-policy': [
    { path: 'tls_policy', kind: 'policy' },
    { path: 'tls_policy-dane', kind: 'policy' },
  ],
  'docker-mailserver__docker-mailserver': [
    { path: 'target__postfix__main.cf', kind: 'main' },
    { path: 'target__postfix__master.cf', kind: 'master' },
    { path: 'target__amavis__postfix-amavis.cf', kind: 'master' },
  ],
  'hardware__mailserver': [
    { path: 'rootfs__etc__postfix__main.cf', kind: 'main' },
    { path: 'rootfs__etc__postfix__master.cf', kind: 'master' },
  ],
  'iredmail__iRedMail': [
    { path: 'samples__postfix__main.cf', kind: 'main' },
    { path: 'samples__postfix__master.cf', kind: 'master' },
  ],
  'jeboehm__docker-mailserver': [{ path: 'target__mta__rootfs__etc__postfix__master.cf', kind: 'master' }],
  'mail-in-a-box__mailinabox': [
    { path: 'setup__mail-postfix.sh.DERIVED-tls-main.cf', kind: 'main' },
    { path: 'setup__mail-postfix.sh.DERIVED-master.cf', kind: 'master' },
  ],
  'mailcow__mailcow-dockerized': [
    { path: 'data__conf__postfix__main.cf', kind: 'main' },
    { path: 'data__conf__postfix__master.cf', kind: 'master' },
  ],
  'modoboa__modoboa-installer': [
    { path: 'modoboa_installer__scripts__files__postfix__main.cf.tpl', kind: 'main' },
    { path: 'modoboa_installer__scripts__files__postfix__master.cf.tpl', kind: 'master' },
  ],
  'saltstack-formulas__postfix-formula': [{ path: 'postfix__files__main.cf', kind: 'main' }],
  'sovereign__sovereign': [
    { path: 'roles__mailserver__templates__etc_postfix_main.cf.j2', kind: 'main' },
    { path: 'roles__mailserver__files__etc_postfix_master.cf', kind: 'master' },
  ],
  'theappleman__mail': [{ path: 'lib__templates__main.cf.tpl', kind: 'main' }],
  'voxpupuli__puppet-postfix': [{ path: 'templates__master.cf.debian.erb', kind: 'master' }],
  // Added with issue #15: deployments the checker had never seen.
  'O-X-L__postfix-relay-dockerized': [
    { path: 'main.cf', kind: 'main' },
    { path: 'master.cf', kind: 'master' },
  ],
  'geerlingguy__ansible-role-postfix': [{ path: 'templates__main.cf.j2', kind: 'main' }],
  // Added from the stored index (owners N–Z): deployments the checker had never seen.
  'NiftyMist__niftymist.mailrelay': [{ path: 'templates__main.cf.j2', kind: 'main' }],
  'OpenMandrivaAssociation__mailserver-config': [
    { path: 'main.cf', kind: 'main' },
    { path: 'master.cf', kind: 'master' },
  ],
  'Puppet-Finland__ansible-postfix': [{ path: 'templates__main.cf.j2', kind: 'main' }],
  'ROCK5GmbH__ansible-mailserver': [
    { path: 'roles__postfix__templates__main.cf.j2', kind: 'main' },
    { path: 'roles__postfix__files__etc__postfix__master.cf', kind: 'master' },
  ],
  'SafetyCulture__ansible-postfix-relay': [{ path: 'templates__main.cf.j2', kind: 'main' }],
  'Stouts__Stouts.postfix': [
    { path: 'templates__main.cf.j2', kind: 'main' },
    { path: 'templates__master.cf.j2', kind: 'master' },
  ],
  'pimvh__postfix': [
    { path: 'templates__postfix__main.cf.j2', kind: 'main' },
    { path: 'templates__postfix__master.cf.j2', kind: 'master' },
  ],
  'rtertiaer__mailfruit': [
    { path: 'roles__postfix__templates__main.cf.j2', kind: 'main' },
    { path: 'roles__postfix__templates__master.cf.j2', kind: 'master' },
  ],
  'sentora__sentora-installers': [
    { path: 'preconf__postfix__main.cf', kind: 'main' },
    { path: 'preconf__postfix__master.cf', kind: 'master' },
  ],
  'vladgh__ansible-role-postfix': [{ path: 'templates__etc__postfix__main.cf.j2', kind: 'main' }],
  'vpsfreecz__brutus': [{ path: 'templates__postfix__main.cf.j2', kind: 'main' }],
  // Added from repositories whose owners start with A-M: deployments the checker had never seen.
  'Axione__ansible-apps_postfix': [
    { path: 'templates__main.cf.j2', kind: 'main' },
    { path: 'templates__master.cf.j2', kind: 'master' },
  ],
  'Evolix__evoadmin-mail': [
    { path: 'etc__postfix__main.cf', kind: 'main' },
    { path: 'etc__postfix__master.cf', kind: 'master' },
  ],
  'GrapheneOS__mail.grapheneos.org': [
    { path: 'postfix__main.cf', kind: 'main' },
    { path: 'postfix__master.cf', kind: 'master' },
  ],
  'Lionel-Rousseau__postfix-rspamd-hardened-config': [
    { path: 'secondary__postfix__main.cf', kind: 'main' },
    { path: 'secondary__postfix__master.cf', kind: 'master' },
  ],
  'afreiberger__charm-postfix-relay': [{ path: 'src__templates__main.cf', kind: 'main' }],
  'canonical__postfix-relay-operators': [
    { path: 'postfix-relay-operator__templates__postfix_main_cf.tmpl', kind: 'main' },
    { path: 'postfix-relay-operator__templates__postfix_master_cf.tmpl', kind: 'master' },
  ],
  'croessner__docker-postfix': [
    { path: 'defaults__main.cf', kind: 'main' },
    { path: 'defaults__master.cf', kind: 'master' },
  ],
  'filegarden__mail': [
    { path: 'etc__postfix__main.cf', kind: 'main' },
    { path: 'etc__postfix__master.cf', kind: 'master' },
  ],
  'foilen__foilen-infra-plugins-core': [{ path: 'src__main__resources__com__foilen__infra__utils__postfix__main.cf.ftl', kind: 'main' }],
  'hearsttech__chef-postfix-relay': [{ path: 'templates__default__master.cf.erb', kind: 'master' }],
  'kcirrr__ansible-role-postfix': [{ path: 'templates__main.cf.j2', kind: 'main' }],
};

export interface CorpusRun {
  findings: Finding[];
  /** File name ("<project>/<path>") to its lines, for position checks. */
  lines: Map<string, string[]>;
}

/** Checks every deployment with the given facts (newest release, default compatibility level). */
export function runCorpus(facts: Facts): CorpusRun {
  const findings: Finding[] = [];
  const lines = new Map<string, string[]>();
  for (const [project, files] of Object.entries(corpusProjects)) {
    const inputs = files.map((f) => {
      const name = `${project}/${f.path}`;
      const text = readFileSync(join(corpusDir, project, f.path), 'utf8');
      lines.set(name, text.replace(/^\uFEFF/, '').split('\n'));
      return { name, kind: f.kind, text };
    });
    findings.push(...check({ files: inputs, facts }));
  }
  return { findings, lines };
}

export type VerdictValue = 'true' | 'false' | 'debatable';

export interface Verdict {
  file: string;
  /** "*" only for template-placeholder: one verdict for every placeholder finding of the file. */
  line: number | '*';
  rule: string;
  verdict: VerdictValue;
  why: string;
}

export function loadVerdicts(): Verdict[] {
  const raw = parse(readFileSync(join(corpusDir, 'verdicts.yaml'), 'utf8')) as { verdicts: Record<string, unknown>[] };
  return raw.verdicts.map((v) => ({
    file: String(v.file), line: v.line === '*' ? '*' : Number(v.line), rule: String(v.rule),
    verdict: String(v.verdict) as VerdictValue, why: String(v.why ?? ''),
  }));
}

const keyOf = (x: { file: string; line: number | '*'; rule: string }) => `${x.file}:${x.line} ${x.rule}`;
const fileKeyOf = (x: { file: string; rule: string }) => `${x.file}:* ${x.rule}`;

export interface Judged {
  finding: Finding;
  verdict: Verdict | undefined;
}

/**
 * Pairs findings with verdicts by file, line and rule (template-placeholder by file and rule); lists the
 * findings without a verdict and the verdicts no finding matches.
 */
export function judge(findings: readonly Finding[], verdicts: readonly Verdict[]): { judged: Judged[]; unjudged: Finding[]; stale: Verdict[] } {
  const byKey = new Map(verdicts.map((v) => [keyOf(v), v]));
  const judged = findings.map((finding) => ({
    finding,
    verdict: byKey.get(keyOf(finding)) ?? (finding.rule === 'template-placeholder' ? byKey.get(fileKeyOf(finding)) : undefined),
  }));
  const seen = new Set([...findings.map(keyOf), ...findings.filter((f) => f.rule === 'template-placeholder').map(fileKeyOf)]);
  return { judged, unjudged: judged.filter((j) => !j.verdict).map((j) => j.finding), stale: verdicts.filter((v) => !seen.has(keyOf(v))) };
}

export interface SeverityStats { findings: number; true: number; false: number; debatable: number; precision: number }

/** Precision per severity: true / (true + false); debatable findings are counted apart and left out. */
export function precisionBySeverity(judged: readonly Judged[]): Record<Severity, SeverityStats> {
  const out = {} as Record<Severity, SeverityStats>;
  for (const s of ['error', 'warning', 'info'] as const) {
    const mine = judged.filter((j) => j.finding.severity === s);
    const count = (v: VerdictValue) => mine.filter((j) => j.verdict?.verdict === v).length;
    const t = count('true');
    const f = count('false');
    out[s] = { findings: mine.length, true: t, false: f, debatable: count('debatable'), precision: t + f === 0 ? 1 : t / (t + f) };
  }
  return out;
}
