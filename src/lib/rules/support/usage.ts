import type { EffectiveConfig } from '../../config/effective.ts';
import type { Service } from '../../config/services.ts';
import { clientTls, hasPerDestinationPolicy, serverMandatory, serverTls, usesMandatorySettings } from '../../config/tls-levels.ts';
import type { Facts } from '../../facts.ts';
import type { Assignment } from '../../parse/main-cf.ts';

/** Which program reads a parameter, from its role in the data. */
export type Side = 'smtpd' | 'smtp' | 'lmtp';

export function sideOf(facts: Facts, name: string): Side | undefined {
  const role = facts.parameters.get(name)?.role;
  return role === 'smtpd' || role === 'smtp' || role === 'lmtp' ? role : undefined;
}

export type Tri = 'yes' | 'no' | 'unknown';

/** Services whose behaviour a setting decides: its own service for -o, else every matching service without its own -o. */
export function servicesApplying(config: EffectiveConfig, a: Assignment, side: Side): Service[] {
  if (a.source === 'override') {
    const s = config.serviceOf(a);
    return s && s.program === side ? [s] : [];
  }
  return config.services.filter((s) => s.program === side && !s.entry.overrides.some((o) => o.name === a.name));
}

export interface TlsModes {
  mandatory: Tri;
  opportunistic: Tri;
}

function any(values: Tri[]): Tri {
  if (values.includes('yes')) return 'yes';
  return values.includes('unknown') ? 'unknown' : 'no';
}

/** Whether the given services use mandatory TLS settings, opportunistic ones, or both. */
export function tlsModes(config: EffectiveConfig, services: readonly Service[], side: Side): TlsModes {
  const facts = config.facts;
  const mandatory: Tri[] = [];
  const opportunistic: Tri[] = [];
  for (const s of services) {
    if (side === 'smtpd') {
      const t = serverTls(config, s);
      if (t.level === undefined) { mandatory.push('unknown'); opportunistic.push('unknown'); continue; }
      const m = serverMandatory(config, t);
      mandatory.push(m ? 'yes' : 'no');
      opportunistic.push(!m && t.level !== 'none' ? 'yes' : 'no');
    } else {
      const t = clientTls(config, s, side);
      const perDestination = hasPerDestinationPolicy(config, s, side) || (side === 'smtp' && config.policies.length > 0);
      if (t.level === undefined) { mandatory.push('unknown'); opportunistic.push('unknown'); continue; }
      mandatory.push(perDestination || usesMandatorySettings(facts, t.level) ? 'yes' : 'no');
      // dane falls back to opportunistic TLS when a destination has no usable TLSA records.
      opportunistic.push(perDestination || t.level === 'may' || t.level === 'dane' ? 'yes' : 'no');
    }
  }
  return { mandatory: any(mandatory), opportunistic: any(opportunistic) };
}
