/**
 * Migration from an existing configuration: the postconf commands that turn a pasted main.cf (and master.cf) into
 * what the generator writes for the chosen roles and release, and a simulation of those commands on the text, so
 * the result can be checked by the engine like any other configuration.
 *
 * Pure and browser-safe (no fs). What the commands touch:
 * - every main.cf setting the generator writes is set (postconf -e) where the current value differs;
 * - settings that compete with them are removed (postconf -X): the legacy switches the security levels replaced
 *   (smtpd_use_tls, smtp_enforce_tls, …), certificate files that smtpd_tls_chain_files supersedes, and the
 *   settings the generator deliberately leaves at their defaults (its "why not" list) when they hold something else;
 * - the master.cf services it writes are created (postconf -M) when missing and their -o overrides set (postconf -P);
 *   an override on those services, or on port 25 for an MX, that contradicts a generated setting is removed
 *   (postconf -PX).
 * Nothing else is removed: settings the generator has no opinion on stay as they are.
 */
import { buildEffectiveConfig, type EffectiveConfig } from '../config/effective.ts';
import { loopbackOnly, receivesMailForDomains } from '../config/mail-role.ts';
import { effectiveDefault, resolveVersion, type Facts } from '../facts.ts';
import { parseMainCf, type MainCf } from '../parse/main-cf.ts';
import { parseMasterCf, type MasterCf } from '../parse/master-cf.ts';
import { parameterPath } from '../urls.ts';
import { generate, type GenerateOptions, type GenerateResult, type Role } from './index.ts';

/** One postconf edit, in a form that can be both printed and simulated. */
export type MigrationOp =
  | { op: 'set'; name: string; value: string }
  | { op: 'remove'; name: string }
  | { op: 'service'; key: string; line: string }
  | { op: 'override'; key: string; name: string; value: string }
  | { op: 'remove-override'; key: string; name: string };

export interface MigrationStep {
  op: MigrationOp;
  /** The shell command. */
  command: string;
  /** Why, in a few words. */
  comment: string;
  /** The parameter's page (or Postfix's documentation for a non-TLS parameter). */
  link?: string;
}

export interface MigrateInput {
  main: string;
  /** Optional; without it the stock master.cf is assumed. */
  master?: string;
  /**
   * The generator's options. When compatibilityLevel is not given, the level main.cf sets is kept (so the migration
   * does not change the defaults of everything else); when main.cf sets none, the release's own level is used.
   */
  options: GenerateOptions;
}

export interface MigrateResult {
  /** The generated configuration the commands lead to (its errors are refusal reasons). */
  generated: GenerateResult;
  steps: MigrationStep[];
  /** The steps as a shell script: each command preceded by its comment. */
  script: string;
  /** Why no commands could be computed (a template, an impossible combination); steps is then empty. */
  errors: string[];
  /** Things worth knowing about the migration (kept compatibility_level, settings left alone). */
  notes: string[];
}

const norm = (v: string) => v.trim().replace(/\s*,\s*/g, ', ').replace(/\s+/g, ' ');
const bare = (v: string) => norm(v).replace(/, /g, ',');
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const postconfDoc = (name: string) => `https://www.postfix.org/postconf.5.html#${name}`;

/** Settings that compete with a generated one: set in main.cf, they undo or muddle what it does. */
const conflicts: Record<string, readonly string[]> = {
  smtpd_tls_chain_files: ['smtpd_tls_cert_file', 'smtpd_tls_key_file', 'smtpd_tls_dcert_file', 'smtpd_tls_dkey_file', 'smtpd_tls_eccert_file', 'smtpd_tls_eckey_file'],
  smtpd_tls_security_level: ['smtpd_use_tls', 'smtpd_enforce_tls'],
  smtp_tls_security_level: ['smtp_use_tls', 'smtp_enforce_tls', 'smtp_tls_enforce_peername'],
};
/** The client level the generator always decides, whether it writes it or leaves the default. */
const alwaysDecided = ['smtp_tls_security_level'];
/** Named in the "why not" list, but only because nothing uses them; a config that uses fingerprints keeps them. */
const notManaged = /_fingerprint_digest$/;

/**
 * Names a current master.cf may give the services the generator writes: port 465 was called smtps in
 * /etc/services before RFC 8314 renamed it submissions, and a port number works as well as its name.
 */
export const serviceAliases: Record<string, readonly string[]> = {
  'submission/inet': ['submission/inet', '587/inet'],
  'submissions/inet': ['submissions/inet', 'smtps/inet', '465/inet'],
  'smtp/inet': ['smtp/inet', '25/inet'],
};

/** Why a pasted file cannot be migrated as it stands: template syntax a deployment tool fills in. */
function templateProblem(parsed: MainCf | MasterCf, label: string): string | undefined {
  const p = parsed.view.placeholders[0];
  const branchLine = parsed.view.branches.findIndex((b) => b.length > 0);
  if (!p && branchLine === -1 && parsed.templatedLines.length === 0) return undefined;
  const where = p ? `line ${p.line} holds template output (${p.text.trim().slice(0, 40)})` : branchLine !== -1
    ? `line ${branchLine + 1} is inside a template condition` : `line ${parsed.templatedLines[0]} is template output`;
  return `The ${label} you pasted is a template, not a configuration: ${where}. Its values are only known once your deployment tool renders it, so commands computed from it would be wrong. Paste the rendered file from the server (or the output of postconf -n) instead.`;
}

/** The roles a configuration looks like it serves, for a first suggestion (the page lets the user change them). */
export function detectRoles(config: EffectiveConfig): { roles: Role[]; relayhost?: string } {
  const roles: Role[] = [];
  const relay = config.resolve('relayhost').raw?.trim() ?? '';
  const active = (key: string) => config.services.some((s) => s.entry.key === key && !s.stock);
  if (loopbackOnly(config)) roles.push('send-only');
  else {
    if (receivesMailForDomains(config) !== 'no') roles.push('mx');
    if (active('submission/inet')) roles.push('submission');
    if (active('submissions/inet') || active('smtps/inet')) roles.push('submissions');
  }
  let relayhost: string | undefined;
  if (/^\[[A-Za-z0-9.-]+\]:(587|465)$/.test(relay)) {
    roles.push('relay');
    relayhost = relay;
  } else if (/^dane(-only)?$/.test(config.resolve('smtp_tls_security_level').raw?.trim() ?? '') && relay === '') roles.push('dane');
  if (roles.length === 0) roles.push('mx');
  return { roles, relayhost };
}

export function parseCurrent(facts: Facts, main: string, master: string | undefined, version: string, compatibilityLevel?: string): EffectiveConfig {
  return buildEffectiveConfig({
    facts, version, compatibilityLevel,
    mains: [parseMainCf(main, 'main.cf')],
    masters: master?.trim() ? [parseMasterCf(master, 'master.cf')] : [],
    policies: [],
  });
}

export function migrate(facts: Facts, input: MigrateInput): MigrateResult {
  const mainCf = parseMainCf(input.main, 'main.cf');
  const masterCf = input.master?.trim() ? parseMasterCf(input.master, 'master.cf') : undefined;
  const notes: string[] = [];
  const refuse = (generated: GenerateResult, errors: string[]): MigrateResult => ({ generated, steps: [], script: '', errors, notes: [] });

  // The compatibility_level: given, else the one main.cf sets (when the release accepts it), else the release's own.
  const currentLevel = [...mainCf.assignments].reverse().find((a) => a.name === 'compatibility_level' && !a.nameTemplated)?.value.trim();
  let generated = generate(facts, input.options);
  if (input.options.compatibilityLevel === undefined && currentLevel !== undefined && generated.errors.length === 0) {
    const kept = generate(facts, { ...input.options, compatibilityLevel: currentLevel });
    if (kept.errors.length === 0) {
      generated = kept;
      notes.push(`compatibility_level ${currentLevel} from your main.cf is kept: changing it changes the defaults of settings beyond TLS. The defaults compared below are those of level ${currentLevel}.`);
    } else {
      notes.push(`compatibility_level ${currentLevel} in your main.cf does not work on Postfix ${generated.version}, so the commands set the release's own level ${generated.compatibilityLevel}; read the release notes on compatibility before applying them.`);
    }
  } else if (input.options.compatibilityLevel === undefined && generated.errors.length === 0 && input.main.trim()) {
    notes.push(`Your main.cf does not set compatibility_level (Postfix then runs at level 0), so the commands set ${generated.compatibilityLevel}, the level of a fresh ${generated.version} installation; that changes some defaults beyond TLS, which the release notes list.`);
  }
  // The notes above only matter once there are commands to run; a refusal says why on its own.
  if (generated.errors.length > 0) return refuse(generated, generated.errors);
  if (!input.main.trim()) return refuse(generated, ['Paste your current main.cf (or the output of postconf -n) to get the commands.']);
  const problems = [templateProblem(mainCf, 'main.cf'), masterCf && templateProblem(masterCf, 'master.cf')].filter((x): x is string => !!x);
  if (problems.length > 0) return refuse(generated, problems);

  const version = resolveVersion(facts, generated.version)!;
  const current = buildEffectiveConfig({ facts, version, compatibilityLevel: generated.compatibilityLevel, mains: [mainCf], masters: masterCf ? [masterCf] : [], policies: [] });
  const link = (name: string) => facts.parameters.has(name) ? parameterPath(name) : postconfDoc(name);
  const defaultOf = (name: string) => {
    const p = facts.parameters.get(name);
    return p ? effectiveDefault(p, version, generated.compatibilityLevel) : undefined;
  };
  const steps: MigrationStep[] = [];
  const add = (op: MigrationOp, comment: string, name?: string) => steps.push({ op, command: commandOf(op), comment, link: name ? link(name) : undefined });

  // main.cf: what the generator writes.
  const wanted = new Map(generated.main.map((s) => [s.name, s]));
  const mainValue = (name: string) => current.lastMain(name)?.value;
  for (const s of generated.main) {
    const now = mainValue(s.name);
    if (now !== undefined && norm(now) === norm(s.value)) continue;
    add({ op: 'set', name: s.name, value: s.value }, now === undefined ? s.comment : `${s.comment} (now: ${now === '' ? 'empty' : now})`, s.name);
  }
  // main.cf: what competes with it or contradicts a deliberate default.
  const managed = new Set<string>([...wanted.keys()]);
  const removals = new Map<string, string>();
  for (const [name, others] of Object.entries(conflicts)) {
    if (!wanted.has(name) && !(alwaysDecided.includes(name))) continue;
    for (const o of others) removals.set(o, `superseded by ${name}; keeping it muddles which setting is in force`);
  }
  for (const name of alwaysDecided) if (!wanted.has(name)) removals.set(name, `the generated configuration uses the default (${defaultOf(name) ?? 'unset'}) here`);
  for (const w of generated.whyNot) {
    for (const name of w.topic.split(/\s*,\s*/)) {
      if (notManaged.test(name) || wanted.has(name) || !/^[a-z][A-Za-z0-9_]*$/.test(name)) continue;
      removals.set(name, `left at its default on purpose: ${firstSentence(w.reason)}`);
    }
  }
  for (const [name, why] of removals) {
    managed.add(name);
    const now = mainValue(name);
    if (now === undefined) continue;
    // Even a value equal to the default goes: the generator leaves these names unset, and an explicit
    // setting of one that nothing reads is itself a finding.
    add({ op: 'remove', name }, `remove ${name} = ${now}: ${why}`, name);
  }

  // master.cf: the generated services, and port 25 for an MX.
  const servicesOf = (key: string) => current.services.filter((s) => (serviceAliases[key] ?? [key]).includes(s.entry.key) && !s.stock);
  const mainTarget = (name: string) => wanted.get(name)?.value ?? defaultOf(name);
  const touched: { key: string; overrides: Map<string, string> }[] = generated.master.map((m) => ({ key: m.key, overrides: new Map(m.overrides.map((o) => [o.name, o.value])) }));
  // Port 25 for an MX: the smtpd behind postscreen (smtpd/pass) when postscreen answers the port.
  if (generated.roles.includes('mx')) touched.push({ key: 'smtp/inet', overrides: new Map() }, { key: 'smtpd/pass', overrides: new Map() });
  if (generated.roles.includes('mx') && !current.services.some((s) => serviceAliases['smtp/inet']!.includes(s.entry.key))) {
    add({ op: 'service', key: 'smtp/inet', line: 'smtp inet n - n - - smtpd' }, 'port 25: the MX role needs the public SMTP server, which this master.cf lacks');
  }
  for (const m of generated.master) {
    const existing = servicesOf(m.key).at(-1);
    if (!existing) add({ op: 'service', key: m.key, line: m.line.replace(/\s+/g, ' ') }, m.comment);
    const key = existing?.entry.key ?? m.key;
    for (const o of m.overrides) {
      const now = existing ? [...existing.entry.overrides].reverse().find((x) => x.name === o.name)?.value : undefined;
      // A -o value is written with bare commas; "a, b" and "a,b" are the same list.
      if (now !== undefined && bare(now) === bare(o.value)) continue;
      add({ op: 'override', key, name: o.name, value: o.value }, now === undefined ? o.comment : `${o.comment} (now: ${now})`, o.name);
    }
  }
  for (const t of touched) {
    const existing = servicesOf(t.key).at(-1);
    if (!existing) continue;
    const seen = new Set<string>();
    for (const o of [...existing.entry.overrides].reverse()) {
      if (seen.has(o.name) || t.overrides.has(o.name) || !managed.has(o.name)) continue;
      seen.add(o.name);
      const target = mainTarget(o.name);
      if (target !== undefined && bare(target) === bare(o.value)) continue;
      add({ op: 'remove-override', key: existing.entry.key, name: o.name }, `the ${existing.entry.key} service overrides ${o.name} = ${o.value}, which contradicts the generated main.cf`, o.name);
    }
  }

  if (steps.length === 0) notes.push('Nothing to change: the pasted configuration already has every setting the generator writes for these roles.');
  notes.push(...generated.notes);
  const script = steps.map((s) => `# ${s.comment}${s.link ? ` — ${s.link}` : ''}\n${s.command}\n`).join('');
  return { generated, steps, script, errors: [], notes };
}

const firstSentence = (s: string) => (/^[^.]*\./.exec(s)?.[0] ?? s).replace(/\.$/, '');

export function commandOf(op: MigrationOp): string {
  switch (op.op) {
    case 'set': return `postconf -e ${shellQuote(`${op.name} = ${op.value}`)}`;
    case 'remove': return `postconf -X ${op.name}`;
    case 'service': return `postconf -M ${shellQuote(`${op.key}=${op.line}`)}`;
    case 'override': return `postconf -P ${shellQuote(`${op.key}/${op.name}=${op.value}`)}`;
    case 'remove-override': return `postconf -PX ${shellQuote(`${op.key}/${op.name}`)}`;
  }
}

// ---- simulation: what postconf does to the files ----

/** A logical line starts at a line whose first character is not white space or '#'. */
const startsEntry = (line: string) => /^[^\s#]/.test(line);
const continues = (line: string) => /^\s+\S/.test(line) && !/^\s*#/.test(line);

/**
 * postconf -e and -X on main.cf text, as postconf_edit.c does them: every entry of an edited name is rewritten (-e)
 * or dropped (-X) with its continuation lines, and names not found are appended at the end in name order.
 */
export function applyMain(text: string, ops: readonly MigrationOp[]): string {
  const edits = new Map<string, string | null>();
  for (const op of ops) {
    if (op.op === 'set') edits.set(op.name, op.value);
    else if (op.op === 'remove') edits.set(op.name, null);
  }
  if (edits.size === 0) return text;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const out: string[] = [];
  const found = new Set<string>();
  let inEdited = false;
  for (const line of lines) {
    if (startsEntry(line)) {
      const name = /^[^\s=]+/.exec(line)![0];
      inEdited = edits.has(name);
      if (!inEdited) { out.push(line); continue; }
      // Every entry of the name is rewritten (postconf warns about duplicates but keeps their places).
      const value = edits.get(name);
      if (value !== null && value !== undefined) out.push(`${name} = ${value}`);
      found.add(name);
      continue;
    }
    // Comment and blank lines do not end a logical line: a continuation after them still belongs to it.
    if (inEdited && continues(line)) continue;
    out.push(line);
  }
  for (const name of [...edits.keys()].sort()) {
    const value = edits.get(name);
    if (!found.has(name) && value !== null && value !== undefined) out.push(`${name} = ${value}`);
  }
  return `${out.join('\n')}\n`;
}

/** postconf -M, -P and -PX on master.cf text: entries are found by "name/type"; the last one is the one master(8) uses. */
export function applyMaster(text: string, ops: readonly MigrationOp[]): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  /** [first, last] line index of each entry with its key. */
  const entries = () => {
    const found: { key: string; from: number; to: number }[] = [];
    lines.forEach((line, i) => {
      if (startsEntry(line)) {
        const f = line.trim().split(/\s+/);
        found.push({ key: `${f[0]}/${f[1]}`, from: i, to: i });
      } else if (continues(line) && found.length > 0) found.at(-1)!.to = i; // comment lines inside an entry do not end it
    });
    return found;
  };
  const last = (key: string) => entries().filter((e) => e.key === key).at(-1);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const op of ops) {
    if (op.op === 'service') {
      const e = last(op.key);
      if (e) lines.splice(e.from, e.to - e.from + 1, op.line);
      else lines.push(op.line);
    } else if (op.op === 'override' || op.op === 'remove-override') {
      const e = last(op.key);
      if (!e) throw new Error(`postconf: service ${op.key} not found`);
      const token = new RegExp(`(^|\\s)-o\\s+${escape(op.name)}=\\S*`);
      let done = false;
      for (let i = e.to; i >= e.from && !done; i--) {
        if (!token.test(lines[i]!)) continue;
        if (op.op === 'override') lines[i] = lines[i]!.replace(token, `$1-o ${op.name}=${op.value}`);
        else {
          const rest = lines[i]!.replace(token, '');
          if (i > e.from && rest.trim() === '') lines.splice(i, 1);
          else lines[i] = rest;
        }
        done = true;
      }
      if (!done && op.op === 'override') lines.splice(e.to + 1, 0, `  -o ${op.name}=${op.value}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
