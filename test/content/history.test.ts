// The parameter data against the upstream history: for every TLS parameter and every release 2.2.0–3.11.6,
// patch releases included, the data must say whether the release has it and what its default is exactly as
// that release's mail_params.h defines it (resolved as the C preprocessor would for a TLS build).
import { beforeAll, describe, expect, it } from 'vitest';
import { exceptionCovers, historyDefaults, historyExceptions, normaliseValue, type HistoryDefaults, type HistoryException } from '../../scripts/lib/history-oracle.ts';
import { rawDefaultAt, statusAt, type Facts } from '../../src/lib/facts.ts';
import { compareVersions, lineOf } from '../../src/lib/versions.ts';
import { realFacts } from '../support/content.ts';

interface Difference { name: string; release: string; what: string }

describe('parameter data vs the upstream release history (mail_params.h of every release)', () => {
  let facts: Facts;
  let history: HistoryDefaults;
  let exceptions: Map<string, HistoryException>;
  let differences: Difference[];
  let compared = 0;

  const covered = (d: Difference) => {
    const e = exceptions.get(d.name);
    return e !== undefined && exceptionCovers(e, d.release);
  };

  beforeAll(async () => {
    facts = await realFacts();
    history = historyDefaults();
    exceptions = historyExceptions();
    differences = [];
    for (const p of facts.parameters.values()) {
      for (const release of history.releases) {
        const status = statusAt(p, release);
        const inData = status !== 'not-yet' && status !== 'removed';
        const inHistory = history.has(p.name, release);
        if (inData !== inHistory) {
          differences.push({ name: p.name, release, what: inData ? `data: ${status}; mail_params.h does not define it` : `data: ${status}; mail_params.h defines it` });
          continue;
        }
        if (!inData) continue;
        const expected = history.valueOf(p.name, release);
        // A default computed at run time (none among the TLS parameters today) cannot be compared statically.
        if (expected === undefined) continue;
        compared++;
        const recorded = normaliseValue(rawDefaultAt(p, release)?.value ?? '');
        if (recorded !== expected) differences.push({ name: p.name, release, what: `data ${JSON.stringify(recorded)} != ${JSON.stringify(expected)}` });
      }
    }
  }, 60_000);

  it('covers every release 2.2.0–3.11.6 and compares tens of thousands of (parameter, release) defaults', () => {
    expect(history.releases.length).toBe(402);
    expect(history.releases[0]).toBe('2.2.0');
    expect(history.releases.at(-1)).toBe('3.11.6');
    expect(compared).toBeGreaterThan(40_000);
  });

  it('matches the history in every release, apart from the reviewed exceptions', () => {
    // Grouped per parameter, so a failure reads as a list of facts to fix.
    const open = differences.filter((d) => !covered(d));
    const byName = new Map<string, string[]>();
    for (const d of open) byName.set(d.name, [...(byName.get(d.name) ?? []), `${d.release}: ${d.what}`]);
    const report = [...byName].map(([name, list]) => `${name} (${list.length} releases)\n    ${list.slice(0, 6).join('\n    ')}${list.length > 6 ? '\n    ...' : ''}`);
    expect(report, 'fix the data (node scripts/derive-defaults.ts shows the entries the history implies) or add a reviewed exception').toEqual([]);
  });

  it('keeps no stale exception', () => {
    const stale = [...exceptions].filter(([name, e]) => {
      if (!facts.parameters.has(name)) return false; // a name without a page: the coverage check reads it
      const hits = differences.filter((d) => d.name === name);
      if (hits.length === 0) return true;
      // Every release the exception names (or, with `before`, the history's releases before it) must differ.
      const named = e.releases ?? (e.before ? history.releases.filter((r) => exceptionCovers(e, r) && history.has(name, r)) : []);
      return named.some((r) => !hits.some((d) => d.release === r));
    }).map(([name]) => name);
    expect(stale).toEqual([]);
    for (const e of exceptions.values()) expect(e.reason.length).toBeGreaterThan(20);
  });

  it('has an entry for every TLS parameter any release 2.2.0–3.11.6 defines', () => {
    const names = new Set<string>();
    for (const params of history.byRelease.values()) for (const name of params.keys()) if (/tls/i.test(name)) names.add(name);
    expect([...names].filter((n) => !facts.parameters.has(n) && !exceptions.has(n)).sort()).toEqual([]);
  });

  it('names the newest patch release of every line as "latest" in content/releases.yaml', () => {
    const newest = new Map<string, string>();
    for (const r of history.releases) if (!newest.has(lineOf(r)) || compareVersions(r, newest.get(lineOf(r))!) > 0) newest.set(lineOf(r), r);
    expect(Object.fromEntries(facts.releases.map((r) => [r.version, r.latest]))).toEqual(Object.fromEntries(newest));
  });
});
