import type { EffectiveConfig } from './effective.ts';

/**
 * What the host is for, as far as main.cf tells: whether other mail servers deliver to it (it is the final
 * destination or a relay for some domain), and whether port 25 is reachable from outside at all. The
 * answers are cautious: anything templated or unknown counts as "yes", so rules that rely on a "no" only
 * skip a finding where the file proves it.
 */

type Tri = 'yes' | 'no' | 'unknown';

/** The main.cf value of a non-TLS parameter: its text, '' when empty, undefined when unset or unknown. */
function mainValue(config: EffectiveConfig, name: string): { set: boolean; value: string | undefined } {
  const r = config.resolve(name);
  if (r.origin === 'unset') return { set: false, value: undefined };
  return { set: true, value: r.value?.trim() };
}

/**
 * Whether the host accepts mail for any domain from the Internet: a local, relay or virtual domain. Unset
 * parameters take Postfix's defaults (mydestination has local names; relay_domains follows mydestination below
 * compatibility_level 2 and is empty from there; the virtual domain lists follow their maps).
 */
export function receivesMailForDomains(config: EffectiveConfig): Tri {
  if (!config.hasMain) return 'unknown';
  const dest = mainValue(config, 'mydestination');
  // The default mydestination lists $myhostname and localhost names: the host is a final destination.
  if (!dest.set) return 'yes';
  if (dest.value === undefined) return 'unknown';
  if (dest.value !== '') return 'yes';
  const lists: [string, string | undefined][] = [
    ['relay_domains', undefined],
    ['virtual_alias_domains', 'virtual_alias_maps'],
    ['virtual_mailbox_domains', 'virtual_mailbox_maps'],
  ];
  let unknown = false;
  for (const [name, fallback] of lists) {
    const v = mainValue(config, name);
    if (v.set) {
      if (v.value === undefined) unknown = true;
      else if (v.value !== '') return 'yes';
      continue;
    }
    if (!fallback) continue;
    const f = mainValue(config, fallback);
    if (f.set && f.value === undefined) unknown = true;
    else if (f.set && f.value !== '') return 'yes';
  }
  return unknown ? 'unknown' : 'no';
}

/** inet_interfaces limits every listener without its own address to the loopback interface. */
export function loopbackOnly(config: EffectiveConfig): boolean {
  const v = mainValue(config, 'inet_interfaces');
  if (!v.set || v.value === undefined || v.value === '') return false;
  const items = v.value.split(/[\s,]+/).filter(Boolean);
  return items.length > 0 && items.every((i) => /^(loopback-only|localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i.test(i));
}

/**
 * Whether main.cf looks like a whole file rather than a snippet: it sets at least six general parameters
 * (known names without "tls" or "ssl" in them). Rules that judge what a file leaves out (no client TLS level, services of the stock master.cf)
 * only do so for whole files; a snippet of a few lines usually comes with the rest of its deployment elsewhere.
 */
export function wholeMainCf(config: EffectiveConfig): boolean {
  const names = new Set<string>();
  for (const a of config.mainAssignments) {
    if (a.nameTemplated || /tls|ssl/i.test(a.name)) continue;
    if (config.facts.parameters.has(a.name) || config.facts.nonTlsParameterNames.has(a.name)) names.add(a.name);
  }
  return names.size >= 6;
}
