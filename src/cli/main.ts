/**
 * postfix-tls: checks Postfix main.cf, master.cf and TLS policy tables against the facts, or the Postfix
 * installed on this host. The facts come from the caller: the published package builds them into its bundle
 * (src/cli/bundle.ts), a clone of the repository reads content/ (scripts/postfix-tls-dev.ts).
 *
 * Exit codes: 0 nothing at or above the --fail-on severity (default: error), 1 something, 2 usage error,
 * unreadable input or no Postfix to check.
 */
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze, optionProblems } from '../lib/check.ts';
import { releaseDefaults } from '../lib/defaults.ts';
import { generate, type GenerateResult } from '../lib/generate/index.ts';
import { migrate, type MigrateResult } from '../lib/generate/migrate.ts';
import type { FileKind, Finding, InputFile, Severity } from '../lib/engine-types.ts';
import { newestRelease, resolveVersion, type Facts } from '../lib/facts.ts';
import { kindFromName } from '../lib/file-kinds.ts';
import { rules } from '../lib/rules/index.ts';
import { compareVersions, lineOf } from '../lib/versions.ts';
import { formatGithub, formatJson, formats, formatSarif, formatText, summary, type Format } from './formats.ts';
import { findPostconf, policySource, queryInstallation, releaseOf } from './live.ts';

export interface CliRuntime {
  /** The facts the checker knows; called once, after the command line is understood. */
  facts(): Facts | Promise<Facts>;
  /** The package version, for --version and SARIF. */
  version: string;
  /** The published site's URL, when it has one: docs links become absolute. */
  docsBase?: string;
  /** For tests; default process.cwd(). */
  cwd?: string;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

export const usage = `Usage: postfix-tls check [options] [FILE...]
       postfix-tls defaults [--postfix VERSION] [--compat LEVEL] [NAME...]
       postfix-tls generate --role ROLE[,ROLE...] [--postfix VERSION] [options]
       postfix-tls --version | --help

postfix-tls checks the TLS settings of a Postfix configuration: main.cf, master.cf and
the source files of TLS policy tables (smtp_tls_policy_maps). It reads, never changes.

CHECKING THIS HOST'S POSTFIX
  postfix-tls check            With no files, checks the Postfix installed here. It asks
                               postconf for config_directory, mail_version and
                               compatibility_level, reads main.cf, master.cf and the source
                               file of each hash:, btree:, cdb:, lmdb:, dbm:, sdbm: or
                               texthash: table named by a *_policy_maps setting (in main.cf
                               or as a master.cf -o override), and checks them against the
                               installed release. It names the release and the files on
                               standard error; files it cannot read are skipped with a note
                               there. postconf is looked up on PATH, then in /usr/sbin and
                               /usr/local/sbin.
  -c DIR, --config-dir DIR     Use DIR instead of the default configuration directory,
                               as postconf -c DIR does.
  --postconf FILE              The postconf command to ask (another installation).

CHECKING FILES
  postfix-tls check FILE...    Files are recognised by name: *main.cf and *master.cf, also
                               as templates (main.cf.j2, master.cf.erb, ...). Templates are
                               read as far as possible. Other names need a flag:
  --main FILE                  A main.cf (may be given more than once; later files win)
  --master FILE                A master.cf or master.cf fragment
  --policy FILE                A TLS policy table source file (may be given more than once)

OPTIONS
  --postfix VERSION   Postfix release to check against: a patch release (3.7.11) or a
                      line (3.7, meaning its newest patch release). Default: the installed
                      release when checking this host, else the newest known (%NEWEST%).
  --compat LEVEL      compatibility_level to assume when main.cf does not set it
  --format FORMAT     text (default), json (an array of findings), sarif (SARIF 2.1.0 for
                      code scanning) or github (workflow annotations: ::error file=...)
  --fail-on SEVERITY  Exit 1 when a finding of SEVERITY or worse is found: error
                      (default), warning or info
  -q, --quiet         Print only findings at or above the --fail-on severity: no summary
                      line and no notes. With nothing to report, prints nothing.
  --docs-base URL     Site the docs links point to (e.g. https://docs.example.org);
                      default: %DOCS%
  -V, --version       Print the version and exit
  -h, --help          Show this help

DEFAULTS
  postfix-tls defaults prints "name = value" lines as postconf -d prints them on that
  release, for every TLS parameter (or the NAMEs given); with --compat, defaults that
  depend on compatibility_level are given as they apply at that level.

GENERATE
  postfix-tls generate writes the TLS settings for the mail roles given, for one release
  and compatibility_level: only settings that differ from that release's defaults at that
  level, master.cf services, or the same as postconf commands. It also says which
  settings it leaves alone on purpose, and why.
  --role ROLES        Comma-separated (or repeated): mx (port 25), submission (587,
                      STARTTLS), submissions (465, implicit TLS), relay (smart host with
                      SASL), send-only (loopback only), dane (outbound DANE), mta-sts
                      (outbound MTA-STS via a policy socketmap), dane-inbound (TLSA
                      records for the MX certificate)
  --postfix VERSION   3.4 to 3.11, or a patch release (default: the newest known)
  --compat LEVEL      compatibility_level (default: what the release's stock main.cf
                      writes: 2 on 3.4 and 3.5, the release line from 3.6)
  --openssl VERSION   1.1.1, 3.0 (default) or 3.5
  --profile PROFILE   compatible (default) or strict (high ciphers where TLS is
                      required, a verified smart host, MTA-STS MX patterns enforced)
  --relayhost HOST    The smart host for relay: [host]:587 or [host]:465
  --hostname NAME     The host's public name (certificate paths, TLSA owner)
  --certs LAYOUT      letsencrypt (default), rsa-ecdsa (two chains) or single (one file)
  --format FORMAT     text (default: main.cf, master.cf, notes), main, master, postconf
                      or json
  --from-main FILE    Migrate: print the postconf commands (-e, -X, -M, -P, -PX) that turn
                      this main.cf into the generated configuration; settings the
                      generator has no opinion on are left alone. compatibility_level is
                      kept from the file unless --compat is given.
  --from-master FILE  With --from-main: the current master.cf (default: the stock one)
  An impossible combination (send-only with mx, ...) exits 2 and says why; so does a
  --from-main file that is a template rather than a rendered configuration.

EXIT STATUS
  0  nothing at or above the --fail-on severity
  1  at least one finding at or above the --fail-on severity
  2  usage error, unreadable file, or no Postfix found (name the files instead)

ENVIRONMENT AND FILES
  MAIL_CONFIG         Passed on to postconf: another configuration directory, like -c.
  PATH                Searched for postconf first.
  $XDG_CACHE_HOME/postfix-tls/code (default ~/.cache/postfix-tls/code)
                      V8's compiled code of the installed CLI, kept between runs so that
                      it starts faster; safe to delete. POSTFIX_TLS_NO_CODE_CACHE=1 turns
                      it off.

EXAMPLES
  postfix-tls check                                  # this host's Postfix
  postfix-tls check -c /etc/postfix-out              # a second instance
  postfix-tls check main.cf master.cf --policy tls_policy
  postfix-tls check --format sarif roles/mail/templates/main.cf.j2 > postfix-tls.sarif
  postfix-tls check --format github --fail-on warning docker/postfix/main.cf
  postfix-tls generate --role mx,submission --postfix 3.7 --hostname mx.example.org
  postfix-tls generate --role send-only,relay --relayhost [smtp.example.net]:465 --format postconf
`;

class UsageError extends Error {}

const severityRank: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

interface CheckOptions {
  command: 'check';
  files: { path: string; kind: FileKind }[];
  postfix?: string;
  compat?: string;
  format: Format;
  failOn: Severity;
  quiet: boolean;
  configDir?: string;
  postconf?: string;
  docsBase?: string;
}
interface GenerateCliOptions {
  command: 'generate';
  roles: string[];
  postfix?: string;
  compat?: string;
  openssl?: string;
  profile?: string;
  relayhost?: string;
  hostname?: string;
  certs?: string;
  format: (typeof generateFormats)[number];
  fromMain?: string;
  fromMaster?: string;
}
const generateFormats = ['text', 'main', 'master', 'postconf', 'json'] as const;
const generateOnly = ['role', 'openssl', 'profile', 'relayhost', 'hostname', 'certs', 'from-main', 'from-master'] as const;

type Options =
  | CheckOptions
  | GenerateCliOptions
  | { command: 'defaults'; names: string[]; postfix?: string; compat?: string }
  | { command: 'help' }
  | { command: 'version' };

function parseCommandLine(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        postfix: { type: 'string' },
        compat: { type: 'string' },
        format: { type: 'string' },
        main: { type: 'string', multiple: true },
        master: { type: 'string', multiple: true },
        policy: { type: 'string', multiple: true },
        'fail-on': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        'config-dir': { type: 'string', short: 'c' },
        postconf: { type: 'string' },
        'docs-base': { type: 'string' },
        role: { type: 'string', multiple: true },
        openssl: { type: 'string' },
        profile: { type: 'string' },
        relayhost: { type: 'string' },
        hostname: { type: 'string' },
        certs: { type: 'string' },
        'from-main': { type: 'string' },
        'from-master': { type: 'string' },
        version: { type: 'boolean', short: 'V' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  if (command === 'generate') {
    const checkOnly = ['main', 'master', 'policy', 'fail-on', 'quiet', 'config-dir', 'postconf', 'docs-base'] as const;
    const wrong = checkOnly.find((k) => values[k] !== undefined);
    if (wrong) throw new UsageError(`generate does not take --${wrong}`);
    if (rest.length > 0) throw new UsageError(`generate takes no file or parameter names ("${rest[0]}"); name the roles with --role`);
    const format = (values.format ?? 'text') as GenerateCliOptions['format'];
    if (!generateFormats.includes(format)) throw new UsageError(`generate --format must be ${generateFormats.slice(0, -1).join(', ')} or ${generateFormats.at(-1)}, not "${values.format}"`);
    const roles = (values.role ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
    if (roles.length === 0) throw new UsageError('generate needs --role, e.g. --role mx,submission');
    if (values['from-master'] !== undefined && values['from-main'] === undefined) throw new UsageError('--from-master needs --from-main (the current main.cf)');
    if (values['from-main'] !== undefined && (format === 'main' || format === 'master')) throw new UsageError(`--from-main prints postconf commands: use --format text, postconf or json, not ${format}`);
    return {
      command, roles, postfix: values.postfix, compat: values.compat, openssl: values.openssl, profile: values.profile,
      relayhost: values.relayhost, hostname: values.hostname, certs: values.certs, format,
      fromMain: values['from-main'], fromMaster: values['from-master'],
    };
  }
  const misplaced = generateOnly.find((k) => values[k] !== undefined);
  if (misplaced && (command === 'check' || command === 'defaults')) throw new UsageError(`--${misplaced} belongs to generate, not ${command}`);
  if (command === 'defaults') {
    const checkOnly = ['main', 'master', 'policy', 'format', 'fail-on', 'quiet', 'config-dir', 'postconf', 'docs-base'] as const;
    if (checkOnly.some((k) => values[k] !== undefined)) throw new UsageError('defaults takes --postfix, --compat and parameter names only');
    return { command, names: rest, postfix: values.postfix, compat: values.compat };
  }
  if (command !== 'check') {
    throw new UsageError(command === undefined ? 'missing command; try "postfix-tls check" or "postfix-tls check main.cf"' : `unknown command "${command}"; the commands are "check", "defaults" and "generate"`);
  }
  const format = (values.format ?? 'text') as Format;
  if (!formats.includes(format)) throw new UsageError(`--format must be ${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}, not "${values.format}"`);
  const failOn = (values['fail-on'] ?? 'error') as Severity;
  if (!(failOn in severityRank)) throw new UsageError(`--fail-on must be error, warning or info, not "${values['fail-on']}"`);
  const docsBase = values['docs-base'];
  if (docsBase !== undefined && !/^https?:\/\/[^/\s]+/.test(docsBase)) throw new UsageError(`--docs-base must be an http(s) URL, not "${docsBase}"`);
  const files: CheckOptions['files'] = [
    ...(values.main ?? []).map((path) => ({ path, kind: 'main' as const })),
    ...(values.master ?? []).map((path) => ({ path, kind: 'master' as const })),
    ...(values.policy ?? []).map((path) => ({ path, kind: 'policy' as const })),
  ];
  for (const path of rest) {
    const kind = kindFromName(path);
    if (!kind) throw new UsageError(`cannot tell what kind of file "${path}" is; pass it with --main, --master or --policy`);
    files.push({ path, kind });
  }
  if (files.length > 0 && (values['config-dir'] !== undefined || values.postconf !== undefined)) {
    throw new UsageError('-c/--config-dir and --postconf check this host\'s Postfix; do not name files with them');
  }
  return {
    command, files, postfix: values.postfix, compat: values.compat, format, failOn, quiet: values.quiet ?? false,
    configDir: values['config-dir'], postconf: values.postconf, docsBase,
  };
}

/** Why a file could not be read, in a few words. */
function readProblem(e: unknown): string {
  const err = e as { code?: string; message: string };
  return err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : (err.code ?? err.message);
}

/** What a live check found to check, or the exit-2 message when there is nothing. */
interface LiveTarget {
  /** The installation, as postconf reports it (absent when files were named). */
  installation?: { configDirectory: string; mailVersion: string };
  files: { path: string; kind: FileKind }[];
  /** Patch release (or line) to check against. */
  postfix: string;
  compat?: string;
  notes: string[];
  optionalFiles: Set<string>;
}

const noPostfix = 'name the files to check instead, e.g. "postfix-tls check main.cf master.cf --policy tls_policy"';

async function liveTarget(opts: CheckOptions, facts: Facts): Promise<LiveTarget | string> {
  const postconf = opts.postconf ?? findPostconf();
  if (!postconf) return `no Postfix found here (no postconf on PATH, in /usr/sbin or /usr/local/sbin); ${noPostfix}, or give --postconf FILE`;
  const policyParameters = [...facts.parameters.keys()].filter((n) => n.endsWith('_policy_maps'));
  const q = await queryInstallation({ postconf, configDir: opts.configDir, policyParameters });
  if (!q.ok) {
    return q.missing
      ? `no Postfix found (${q.reason}); ${noPostfix}`
      : `postconf could not report this Postfix's configuration (${q.reason}); ${noPostfix}`;
  }
  const inst = q.installation;
  const notes: string[] = [];
  let postfix = opts.postfix;
  if (postfix === undefined) {
    const release = releaseOf(inst.mailVersion);
    const newest = facts.releases.at(-1);
    if (release && resolveVersion(facts, release)) {
      postfix = release;
    } else if (release && newest && compareVersions(lineOf(release), newest.version) > 0) {
      postfix = newest.latest;
      notes.push(`Postfix ${inst.mailVersion} is newer than the releases this checker knows; checking against ${postfix}`);
    } else {
      return `cannot check against the installed Postfix ${inst.mailVersion}: not a release this checker knows; give --postfix VERSION`;
    }
  }
  const dir = inst.configDirectory;
  const files: LiveTarget['files'] = [{ path: join(dir, 'main.cf'), kind: 'main' }, { path: join(dir, 'master.cf'), kind: 'master' }];
  const optionalFiles = new Set([files[1]!.path]);
  // One table is often named twice (tlsproxy_client_policy_maps defaults to $smtp_tls_policy_maps): read it once.
  const skipped = new Map<string, { settings: string[]; reason: string }>();
  for (const map of inst.policyMaps) {
    const source = policySource(map.spec);
    if ('skip' in source) {
      const s = skipped.get(map.spec) ?? { settings: [], reason: source.skip };
      s.settings.push(map.setting);
      skipped.set(map.spec, s);
    } else if (!optionalFiles.has(source.file)) {
      files.push({ path: source.file, kind: 'policy' });
      optionalFiles.add(source.file);
    }
  }
  for (const [spec, s] of skipped) notes.push(`not checked: ${spec} in ${s.settings.join(', ')} (${s.reason})`);
  let compat = opts.compat ?? inst.compatibilityLevel;
  if (compat !== undefined && optionProblems({ facts, compatibilityLevel: compat }).length > 0) {
    notes.push(`postconf reports compatibility_level = ${compat}, which is not a level this checker knows; using the release's default`);
    compat = undefined;
  }
  return { installation: { configDirectory: dir, mailVersion: inst.mailVersion }, files, postfix, compat, notes, optionalFiles };
}

export async function main(argv: string[], runtime: CliRuntime): Promise<number> {
  const out = runtime.stdout ?? fdWriter(1);
  const err = runtime.stderr ?? fdWriter(2);
  let parsed: Options;
  try {
    parsed = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`postfix-tls: ${e.message}\nRun "postfix-tls --help" for usage.\n`);
      return 2;
    }
    throw e;
  }
  const opts = parsed;
  if (opts.command === 'version') {
    out(`postfix-tls ${runtime.version}\n`);
    return 0;
  }
  const facts = await runtime.facts();
  if (opts.command === 'help') {
    out(usage.replace('%NEWEST%', facts.releases.length ? newestRelease(facts) : 'unknown')
      .replace('%DOCS%', runtime.docsBase ?? 'site paths such as /rules/tls-required-on-mx/'));
    return 0;
  }
  const problems = optionProblems({ facts, postfix: opts.postfix, compatibilityLevel: opts.compat });
  if (problems.length > 0) {
    err(`postfix-tls: ${problems.join('; ')}\n`);
    return 2;
  }
  if (opts.command === 'defaults') {
    const { lines, warnings } = releaseDefaults(facts, { postfix: opts.postfix ?? newestRelease(facts), compatibilityLevel: opts.compat, names: opts.names });
    for (const w of warnings) err(`postfix-tls: warning: ${w}\n`);
    out(lines.map((l) => `${l}\n`).join(''));
    return 0;
  }
  if (opts.command === 'generate') return generateCommand(opts, facts, out, err);
  return check(opts, facts, runtime, out, err);
}

function generateCommand(opts: GenerateCliOptions, facts: Facts, out: (s: string) => void, err: (s: string) => void): number {
  const options = {
    roles: opts.roles, postfix: opts.postfix ?? newestRelease(facts), compatibilityLevel: opts.compat, openssl: opts.openssl,
    profile: opts.profile, relayhost: opts.relayhost, hostname: opts.hostname, certificates: opts.certs,
  };
  if (opts.fromMain !== undefined) {
    const texts: string[] = [];
    for (const path of [opts.fromMain, opts.fromMaster]) {
      if (path === undefined) continue;
      try {
        texts.push(readFileSync(path, 'utf8'));
      } catch (e) {
        err(`postfix-tls: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
        return 2;
      }
    }
    const migration = migrate(facts, { main: texts[0]!, master: texts[1], options });
    if (migration.errors.length > 0) {
      for (const e of migration.errors) err(`postfix-tls: ${e}\n`);
      return 2;
    }
    out(formatMigration(migration, opts.format));
    return 0;
  }
  const result = generate(facts, options);
  if (result.errors.length > 0) {
    for (const e of result.errors) err(`postfix-tls: ${e}\n`);
    return 2;
  }
  out(formatGenerated(result, opts.format));
  return 0;
}

/** A migration as --format prints it: json the whole result, otherwise the commands, each after its comment. */
export function formatMigration(m: MigrateResult, format: GenerateCliOptions['format']): string {
  if (format === 'json') return `${JSON.stringify({ version: m.generated.version, compatibilityLevel: m.generated.compatibilityLevel, roles: m.generated.roles, steps: m.steps, notes: m.notes }, null, 2)}\n`;
  const head = format === 'text' ? [`# Postfix ${m.generated.version}, compatibility_level ${m.generated.compatibilityLevel}; roles: ${m.generated.roles.join(', ')}`, ...m.notes.map((n) => `# ${n}`), ''] : [];
  const tail = format === 'text' && m.steps.length ? ['', '# then: postfix check && postfix reload'] : [];
  return `${[...head, m.script.trimEnd(), ...tail].join('\n')}\n`.replace(/^\n$/, '');
}

/** The generator's result as the chosen --format prints it. */
export function formatGenerated(r: GenerateResult, format: GenerateCliOptions['format']): string {
  switch (format) {
    case 'main':
      return r.mainCf;
    case 'master':
      return r.masterCf;
    case 'postconf':
      return `${r.postconf.join('\n')}\n`;
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    default: {
      const level = `compatibility_level ${r.compatibilityLevel}${r.compatibilitySource === 'fresh-install' ? ', as a fresh installation writes it' : ''}`;
      const parts = [
        `# Postfix ${r.version}, ${level}; roles: ${r.roles.join(', ')}; profile ${r.profile}; OpenSSL ${r.openssl}`,
        '# Only settings that differ from this release\'s defaults at this level.',
        '', '# ---- main.cf ----', r.mainCf.trimEnd(),
      ];
      if (r.masterCf) parts.push('', '# ---- master.cf ----', r.masterCf.trimEnd());
      if (r.whyNot.length) parts.push('', '# ---- left alone on purpose ----', ...r.whyNot.map((w) => `# ${w.topic}: ${w.reason} (${w.link})`));
      if (r.notes.length) parts.push('', '# ---- outside Postfix ----', ...r.notes.map((n) => `# ${n}`));
      return `${parts.join('\n')}\n`;
    }
  }
}

async function check(opts: CheckOptions, facts: Facts, runtime: CliRuntime, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const note = (s: string) => { if (!opts.quiet) err(`postfix-tls: ${s}\n`); };
  let target: LiveTarget = { files: opts.files, postfix: opts.postfix ?? newestRelease(facts), compat: opts.compat, notes: [], optionalFiles: new Set() };
  if (opts.files.length === 0) {
    const t = await liveTarget(opts, facts);
    if (typeof t === 'string') {
      err(`postfix-tls: ${t}\n`);
      return 2;
    }
    target = t;
  }
  const files: InputFile[] = [];
  const skipped: string[] = [];
  for (const f of target.files) {
    try {
      files.push({ name: f.path, kind: f.kind, text: readFileSync(f.path, 'utf8') });
    } catch (e) {
      if (target.optionalFiles.has(f.path)) {
        skipped.push(`not checked: ${f.path} (${readProblem(e)})`);
        continue;
      }
      err(`postfix-tls: cannot read ${f.path}: ${readProblem(e)}\n`);
      return 2;
    }
  }
  const { findings, config } = analyze({ files, facts, postfix: target.postfix, compatibilityLevel: target.compat });
  const version = config.version;
  const inst = target.installation;
  if (inst) {
    const against = inst.mailVersion === version ? '' : ` against Postfix ${version}`;
    note(`checking the Postfix ${inst.mailVersion} installation in ${inst.configDirectory}${against} (compatibility_level ${config.compatibilityLevel}): ${files.map((f) => f.name).join(', ')}`);
  }
  for (const n of [...target.notes, ...skipped]) note(n);

  const failing = (f: Finding) => severityRank[f.severity] >= severityRank[opts.failOn];
  const shown = opts.quiet ? findings.filter(failing) : findings;
  const cwd = runtime.cwd ?? process.cwd();
  const docsBase = opts.docsBase ?? runtime.docsBase;
  switch (opts.format) {
    case 'json':
      out(formatJson(shown, opts.docsBase));
      break;
    case 'sarif':
      out(formatSarif(shown, { rules, toolVersion: runtime.version, cwd, docsBase, files: files.map((f) => f.name), postfixVersion: version }));
      break;
    case 'github':
      out(formatGithub(shown, cwd, docsBase));
      break;
    default: {
      const sources = new Map(files.map((f) => [f.name, f.text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''))]));
      out(formatText(shown, sources, docsBase));
      if (!opts.quiet) out(`${summary(findings, version)}\n`);
    }
  }
  return findings.some(failing) ? 1 : 0;
}

/**
 * Writes to standard output or error by file descriptor. Creating process.stdout (a TTY or pipe stream) costs a
 * few milliseconds of a run that takes tens; on a non-blocking descriptor that is full, the rest goes through
 * the stream after all, in order. A reader that went away (`| head`) ends the output quietly.
 */
function fdWriter(fd: 1 | 2): (s: string) => void {
  let viaStream = false;
  let closed = false;
  return (s) => {
    if (closed || s === '') return;
    if (viaStream) {
      (fd === 1 ? process.stdout : process.stderr).write(s);
      return;
    }
    const buf = Buffer.from(s);
    let at = 0;
    try {
      while (at < buf.length) at += writeSync(fd, buf, at);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EPIPE') {
        closed = true;
      } else if (code === 'EAGAIN') {
        viaStream = true;
        (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(at));
      } else {
        throw e;
      }
    }
  };
}

/** Runs the CLI as a process: the exit code goes to process.exitCode; a crash becomes a one-line message and exit 2. */
export function runCli(argv: string[], runtime: CliRuntime): Promise<void> {
  return main(argv, runtime).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      process.stderr.write(`postfix-tls: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
