/**
 * The releases the /generate/ page offers: each line from the generator's oldest, as its newest patch release, and
 * beside it the earlier patch releases only where the answer changes within the line (a setting the generator
 * writes or weighs that arrived, changed its default or was back-ported in a patch release, such as
 * smtp_tls_enforce_sts_mx_patterns in 3.10.5). Read from the facts, so a new back-port shows up by itself.
 */
import type { Facts } from '../facts.ts';
import { compareVersions, lineOf } from '../versions.ts';
import { generate, oldestSupportedLine, type GenerateOptions } from './index.ts';

export interface ReleaseChoice {
  /** What the generator is given: a line ("3.10", its newest patch release) or a patch release ("3.10.4"). */
  value: string;
  label: string;
  line: string;
}

/** Every parameter the generator writes or names, over role sets that together use every role. */
export function generatorParameters(facts: Facts): Set<string> {
  const names = new Set<string>();
  const sets: GenerateOptions[] = [
    { roles: ['mx', 'submission', 'submissions', 'dane-inbound', 'dane', 'mta-sts'], postfix: '' },
    { roles: ['relay'], postfix: '', relayhost: '[smtp.example.com]:465', profile: 'strict' },
    { roles: ['send-only', 'dane', 'mta-sts'], postfix: '' },
  ];
  for (const r of facts.releases) {
    if (compareVersions(r.version, oldestSupportedLine) < 0) continue;
    for (const o of sets) {
      const g = generate(facts, { ...o, postfix: r.version });
      for (const s of g.main) names.add(s.name);
      for (const m of g.master) for (const x of m.overrides) names.add(x.name);
      for (const w of g.whyNot) for (const n of w.topic.split(/\s*,\s*/)) names.add(n);
    }
  }
  return names;
}

export function releaseChoices(facts: Facts): ReleaseChoice[] {
  const breaks = new Map<string, Set<string>>();
  for (const name of generatorParameters(facts)) {
    const p = facts.parameters.get(name);
    if (!p) continue;
    const versions = [p.since, ...(p.since_backported ?? []), ...p.defaults.flatMap((d) => [d.from, ...(d.backported ?? [])]),
      ...(p.deprecated ? [p.deprecated.since] : []), ...(p.removed ? [p.removed.since] : [])];
    for (const v of versions) {
      const m = /^(\d+\.\d+)\.(\d+)$/.exec(v);
      if (!m || m[2] === '0') continue;
      if (!breaks.has(m[1]!)) breaks.set(m[1]!, new Set());
      breaks.get(m[1]!)!.add(v);
    }
  }
  const out: ReleaseChoice[] = [];
  for (const r of facts.releases) {
    if (compareVersions(r.version, oldestSupportedLine) < 0) continue;
    const points = [...(breaks.get(r.version) ?? [])].filter((v) => compareVersions(v, r.latest) <= 0).sort(compareVersions);
    const from = points.at(-1) ?? `${r.version}.0`;
    out.push({ value: r.version, label: points.length ? `${r.version} (${from} – ${r.latest})` : `${r.version} (${r.latest})`, line: r.version });
    for (let i = points.length - 1; i >= 0; i--) {
      const patch = Number(points[i]!.split('.')[2]);
      const start = i > 0 ? points[i - 1]! : `${r.version}.0`;
      const end = `${r.version}.${patch - 1}`;
      out.push({ value: end, label: start === end ? end : `${start} – ${end}`, line: lineOf(end) });
    }
  }
  return out;
}
