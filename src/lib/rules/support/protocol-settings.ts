import type { EffectiveConfig } from '../../config/effective.ts';
import type { Service } from '../../config/services.ts';
import { usesMandatorySettings } from '../../config/tls-levels.ts';
import type { Position } from '../../engine-types.ts';
import type { Assignment } from '../../parse/main-cf.ts';
import type { PolicyAttribute, PolicyEntry } from '../../parse/policy-table.ts';
import { compareVersions } from '../../versions.ts';
import type { Facts } from '../../facts.ts';
import { parseProtocolList, type ProtocolList } from './protocols.ts';
import { servicesApplying, sideOf, tlsModes, type Side, type Tri } from './usage.ts';
import { expandedValue } from './values.ts';
import { usablePolicyEntry } from './policy.ts';
import { hasPlaceholder } from '../../parse/templates.ts';

/**
 * Every place a protocol list is written (main.cf, -o, policy `protocols=`), with what it enables and
 * whether anything uses it. The protocol rules all start from here.
 */
export interface ProtocolSetting {
  file: string;
  /** Parameter name, or "protocols" for a policy attribute. */
  parameter: string;
  value: string;
  /** The value is the text as written, so offsets point into the file. */
  direct: boolean;
  positionOf(offset: number): Position;
  side: Side | undefined;
  /** A *_mandatory_protocols setting, or a policy entry above "may". */
  mandatory: boolean;
  list: ProtocolList;
  services: Service[];
  /** Whether the setting is in effect anywhere. */
  used: Tri;
  assignment?: Assignment;
  policy?: { entry: PolicyEntry; attribute: PolicyAttribute };
}

export function protocolSettings(config: EffectiveConfig): ProtocolSetting[] {
  const { facts } = config;
  const out: ProtocolSetting[] = [];
  for (const a of config.allAssignments()) {
    const p = facts.parameters.get(a.name);
    if (!p || p.type !== 'protocols' || a.nameTemplated) continue;
    const value = expandedValue(config, a);
    if (value === undefined) continue;
    const side = sideOf(facts, a.name);
    const mandatory = a.name.includes('_mandatory_');
    const services = side ? servicesApplying(config, a, side) : [];
    const modes = side ? tlsModes(config, services, side) : { mandatory: 'unknown' as Tri, opportunistic: 'unknown' as Tri };
    out.push({
      file: a.file, parameter: a.name, value, direct: value === a.value,
      positionOf: (o) => (value === a.value ? a.positionOf(o) : { line: a.valueLine, column: a.valueColumn }),
      side, mandatory, list: parseProtocolList(value, facts), services,
      used: mandatory ? modes.mandatory : modes.opportunistic, assignment: a,
    });
  }
  const clients = config.services.filter((s) => s.program === 'smtp');
  for (const t of config.policies) {
    for (const entry of t.entries) {
      if (!usablePolicyEntry(facts, config.version, entry)) continue;
      const level = entry.level?.text;
      for (const attribute of entry.attributes) {
        if (attribute.name !== 'protocols' || hasPlaceholder(attribute.value)) continue;
        out.push({
          file: t.file, parameter: 'protocols', value: attribute.value, direct: true,
          positionOf: attribute.positionOf, side: 'smtp', mandatory: usesMandatorySettings(facts, level),
          list: parseProtocolList(attribute.value, facts), services: clients, used: 'yes', policy: { entry, attribute },
        });
      }
    }
  }
  return out;
}

/** First release that reads `>=`/`<=` ranges, from the data (an allowed value or a default that uses one). */
export function rangeSyntaxSince(facts: Facts): string | undefined {
  let best: string | undefined;
  const consider = (v: string | undefined) => { if (v && (!best || compareVersions(v, best) < 0)) best = v; };
  for (const p of facts.parameters.values()) {
    if (p.type !== 'protocols') continue;
    for (const v of p.values ?? []) if (/^[<>]=/.test(v.value)) consider(v.since ?? p.since);
  }
  if (best) return best;
  for (const p of facts.parameters.values()) {
    if (p.type !== 'protocols') continue;
    for (const d of p.defaults) if (/[<>]=/.test(d.value)) consider(d.from);
  }
  return best;
}

export function settingName(s: ProtocolSetting): string {
  return s.policy ? `the "protocols=" attribute for ${s.policy.entry.key.raw}` : s.parameter;
}
