import { effectiveDefault, type Facts } from '../facts.ts';
import type { Assignment, MainCf } from '../parse/main-cf.ts';
import { parseMasterCf, type MasterCf } from '../parse/master-cf.ts';
import type { PolicyTable } from '../parse/policy-table.ts';
import { expandValue, findReferences } from '../parse/references.ts';
import { branchImplies } from '../parse/templates.ts';
import { describeService, type Service } from './services.ts';
import { stockMasterCf } from './stock-master-cf.ts';

/**
 * The configuration each service actually runs with: its `-o` overrides, then main.cf (last assignment
 * wins), then the default of the chosen release at the chosen compatibility_level. Values are expanded
 * ($name, ${name?x}, ...) on request; anything that depends on template output or an unknown parameter
 * comes back as unknown rather than guessed.
 */

export type Origin = 'override' | 'main' | 'default' | 'unset';

export interface Resolved {
  name: string;
  /** The value as written (or the default's text); undefined when neither is known. */
  raw: string | undefined;
  /** `raw` with references expanded; undefined when any part is unknown or templated. */
  value: string | undefined;
  origin: Origin;
  assignment?: Assignment;
}

export type CompatibilitySource = 'config' | 'option' | 'default';

export interface EffectiveConfig {
  facts: Facts;
  version: string;
  compatibilityLevel: string;
  compatibilitySource: CompatibilitySource;
  /** Where compatibility_level was set, when it came from main.cf. */
  compatibilityAssignment?: Assignment;
  hasMain: boolean;
  /** False when the stock master.cf was assumed (a master.cf fragment is checked on top of the stock services). */
  hasMaster: boolean;
  mains: readonly MainCf[];
  masters: readonly MasterCf[];
  policies: readonly PolicyTable[];
  /** Every main.cf assignment, in file order. */
  mainAssignments: readonly Assignment[];
  services: readonly Service[];
  /** Names referenced as $name anywhere in main.cf values or -o values. */
  referencedNames: ReadonlySet<string>;
  lastMain(name: string): Assignment | undefined;
  resolve(name: string, service?: Service): Resolved;
  /** All overrides and main.cf assignments, for rules that look at every place a name is set. */
  allAssignments(): Assignment[];
  serviceOf(a: Assignment): Service | undefined;
}

export interface EffectiveInput {
  facts: Facts;
  version: string;
  compatibilityLevel?: string;
  mains: MainCf[];
  masters: MasterCf[];
  policies: PolicyTable[];
}

let stockCache: MasterCf | undefined;
function stockMaster(): MasterCf {
  stockCache ??= parseMasterCf(stockMasterCf, '(stock master.cf)');
  return stockCache;
}

/** Postfix's own value when nothing is known: compatibility_level's built-in default. */
function dataDefaultCompatibility(facts: Facts, version: string): string {
  const p = facts.parameters.get('compatibility_level');
  const d = p ? effectiveDefault(p, version, '0') : undefined;
  // Postfix's built-in compatibility_level is 0 in every release; used only when content lacks the entry.
  return d !== undefined && /^(0|1|2|3\.\d+)$/.test(d) ? d : '0';
}

export function buildEffectiveConfig(input: EffectiveInput): EffectiveConfig {
  const { facts, version } = input;
  const mainAssignments = input.mains.flatMap((m) => m.assignments);
  const lastByName = new Map<string, Assignment>();
  for (const a of mainAssignments) if (!a.nameTemplated) lastByName.set(a.name, a);

  const compatAssignment = lastByName.get('compatibility_level');
  let compatibilityLevel: string;
  let compatibilitySource: CompatibilitySource;
  if (compatAssignment && !compatAssignment.valueTemplated && compatAssignment.branch.length === 0 && /^(0|1|2|3\.\d+)$/.test(compatAssignment.value)) {
    compatibilityLevel = compatAssignment.value;
    compatibilitySource = 'config';
  } else if (input.compatibilityLevel !== undefined) {
    compatibilityLevel = input.compatibilityLevel;
    compatibilitySource = 'option';
  } else {
    compatibilityLevel = dataDefaultCompatibility(facts, version);
    compatibilitySource = 'default';
  }

  const hasMaster = input.masters.length > 0;
  const given = input.masters.flatMap((m) => m.services);
  // Postfix cannot run without qmgr, so a master.cf without one is a fragment that gets appended to the
  // stock file (iRedMail, Mail-in-a-Box, content-filter snippets): check it together with the stock services.
  const fragment = hasMaster && !given.some((e) => e.name.text === 'qmgr');
  const stock = !hasMaster || fragment
    ? stockMaster().services.filter((e) => !given.some((g) => g.key === e.key))
    : [];
  // master(8) keeps only the last entry for a name/type pair.
  const live = given.filter((e, i) => !given.slice(i + 1).some((l) => l.key === e.key && !l.templated && !e.templated && branchImplies(e.branch, l.branch)));
  const entries = [...stock, ...live];
  const services = entries.map((e) => describeService(e, stock.includes(e), entries));
  const serviceByKeyAndLine = new Map<string, Service>();
  for (const s of services) for (const o of s.entry.overrides) serviceByKeyAndLine.set(`${o.file}:${o.line}:${o.column}`, s);

  const referencedNames = new Set<string>();
  for (const a of mainAssignments) for (const r of findReferences(a.value).refs) referencedNames.add(r.name);
  for (const s of services) for (const o of s.entry.overrides) for (const r of findReferences(o.value).refs) referencedNames.add(r.name);

  const rawOf = (name: string, service: Service | undefined): { raw: string | undefined; origin: Origin; assignment?: Assignment } => {
    if (service) {
      const o = [...service.entry.overrides].reverse().find((x) => x.name === name && !x.nameTemplated);
      if (o) return { raw: o.valueTemplated || o.branch.length > service.entry.branch.length ? undefined : o.value, origin: 'override', assignment: o };
    }
    const m = lastByName.get(name);
    // Inside a template condition the line may not be rendered at all, so its value is not certain.
    if (m) return { raw: m.valueTemplated || m.branch.length > 0 ? undefined : m.value, origin: 'main', assignment: m };
    if (name === 'compatibility_level') return { raw: compatibilityLevel, origin: 'default' };
    const p = facts.parameters.get(name);
    const d = p ? effectiveDefault(p, version, compatibilityLevel) : undefined;
    return d === undefined ? { raw: undefined, origin: 'unset' } : { raw: d, origin: 'default' };
  };

  const resolve = (name: string, service?: Service): Resolved => {
    const r = rawOf(name, service);
    if (r.raw === undefined) return { name, raw: undefined, value: undefined, origin: r.origin, assignment: r.assignment };
    const e = expandValue(r.raw, (n) => rawOf(n, service).raw);
    return { name, raw: r.raw, value: e.unknown ? undefined : e.text, origin: r.origin, assignment: r.assignment };
  };

  return {
    facts, version, compatibilityLevel, compatibilitySource, compatibilityAssignment: compatibilitySource === 'config' ? compatAssignment : undefined,
    hasMain: input.mains.length > 0, hasMaster,
    mains: input.mains, masters: hasMaster ? input.masters : [], policies: input.policies,
    mainAssignments, services, referencedNames,
    lastMain: (name) => lastByName.get(name),
    resolve,
    allAssignments: () => [...mainAssignments, ...services.flatMap((s) => s.stock ? [] : s.entry.overrides)],
    serviceOf: (a) => serviceByKeyAndLine.get(`${a.file}:${a.line}:${a.column}`),
  };
}

/** Postfix booleans: yes/no in any case. */
export function isYes(v: string | undefined): boolean {
  return v !== undefined && v.trim().toLowerCase() === 'yes';
}
