// Each parameter's `since` must match the "This feature is available in Postfix X and later" statement of
// Debian's postfix-doc postconf(5) (the 3.7 manual). Reviewed exceptions live in since-exceptions.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compareVersions, lineOf } from '../../src/lib/versions.ts';
import { realFacts } from '../support/content.ts';
import { INSTALL_HINT, requireTier } from '../support/tiers.ts';

const manual = '/usr/share/doc/postfix/html/postconf.5.html';
const enabled = requireTier('content (postfix-doc)', existsSync(manual) ? [] : ['postfix-doc (postconf.5.html)'], INSTALL_HINT);
const OLDEST = '2.2';

/** name -> version stated by the manual, or null when the entry has no "This feature is available" line. */
function sinceFromManual(html: string): Map<string, string | null> {
  const result = new Map<string, string | null>();
  const entries = html.split(/<DT><b><a name="/).slice(1);
  for (const entry of entries) {
    const name = entry.slice(0, entry.indexOf('"'));
    const text = entry.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    const m = /This feature is available in Postfix (\d+\.\d+)/.exec(text);
    result.set(name, m ? m[1]! : null);
  }
  return result;
}

describe.runIf(enabled)('since vs the Postfix 3.7 manual', () => {
  it('agrees for every parameter the manual documents, apart from reviewed exceptions', async () => {
    const facts = await realFacts();
    const stated = sinceFromManual(readFileSync(manual, 'utf8'));
    const exceptions: Record<string, string> = parse(readFileSync(resolve(import.meta.dirname, 'since-exceptions.yaml'), 'utf8')) ?? {};
    const disagreements: string[] = [];
    let compared = 0;
    for (const p of facts.parameters.values()) {
      if (!stated.has(p.name)) continue;
      compared++;
      const doc = stated.get(p.name) ?? null;
      // The data starts at 2.2 (TLS in mainline Postfix); older statements mean "2.2" here.
      const expected = doc === null || compareVersions(doc, OLDEST) < 0 ? OLDEST : doc;
      // The manual names a feature release; the data may name the patch release (and back-ports) it came in.
      const since = [p.since, ...(p.since_backported ?? [])].map(lineOf).sort(compareVersions)[0]!;
      if (since !== expected && !(p.name in exceptions)) {
        disagreements.push(`${p.name}: data says ${since}, manual says ${doc ?? '(no statement: before 2.2)'}`);
      }
      if (since === expected && p.name in exceptions) disagreements.push(`${p.name}: listed in since-exceptions.yaml but agrees; remove it`);
    }
    expect(compared).toBeGreaterThan(150);
    expect(disagreements).toEqual([]);
  });
});
