import type { Facts } from '../../facts.ts';
import type { PolicyEntry } from '../../parse/policy-table.ts';
import { compareVersions } from '../../versions.ts';

/** Attributes Postfix accepts at most once per entry (a repeat makes the policy invalid). */
export const singleUseAttributes: ReadonlySet<string> = new Set(['ciphers', 'protocols', 'servername', 'exclude']);

/**
 * Whether Postfix would apply this policy entry as written. Entries it rejects are reported by the
 * policy-* rules; the other rules skip them rather than pile more findings onto the same line.
 */
export function usablePolicyEntry(facts: Facts, version: string, e: PolicyEntry): boolean {
  if (e.malformed || e.templated || !e.level) return false;
  const level = facts.securityLevels.get(e.level.text);
  if (!level || !level.client || compareVersions(version, level.since) < 0) return false;
  const seen = new Set<string>();
  for (const a of e.attributes) {
    if (!level.policy_attributes.includes(a.name)) return false;
    if (singleUseAttributes.has(a.name) && seen.has(a.name)) return false;
    seen.add(a.name);
  }
  return true;
}
