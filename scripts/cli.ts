/**
 * postfix-tls: checks Postfix main.cf, master.cf and TLS policy tables against the facts in content/.
 * Run through bin/postfix-tls.js (which finds a Node that can strip TypeScript types) or with Node 24.
 *
 * Exit codes: 0 no error-severity finding, 1 at least one, 2 usage error or unreadable input.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyze, optionProblems } from '../src/lib/check.ts';
import type { FileKind, Finding, InputFile } from '../src/lib/engine-types.ts';
import { kindFromName } from '../src/lib/file-kinds.ts';
import { releaseDefaults } from '../src/lib/defaults.ts';
import { factsDataFromContent, factsFromData, newestRelease, type Facts, type FactsData } from '../src/lib/facts.ts';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const usage = `Usage: postfix-tls check [options] [FILE...]
       postfix-tls defaults [--postfix VERSION] [--compat LEVEL] [NAME...]

Checks the TLS settings of a Postfix configuration: main.cf, master.cf and the source
form of smtp_tls_policy_maps tables. Templates (Jinja, ERB, Go) are read as far as possible.

Options:
  --postfix VERSION   Postfix release to check against (default: the newest known, %NEWEST%)
  --compat LEVEL      compatibility_level to assume when main.cf does not set it
  --format text|json  Output format (default: text)
  --main FILE         A main.cf (may be given more than once; later files win)
  --master FILE       A master.cf or master.cf fragment
  --policy FILE       A TLS policy table source file (may be given more than once)
  -h, --help          Show this help

Positional FILEs are recognised by name: *main.cf and *master.cf, also as templates
(main.cf.j2, master.cf.erb, ...). Anything else needs --main, --master or --policy.

The defaults command prints "name = value" lines as postconf -d prints them on that
release, for every TLS parameter (or the NAMEs given); with --compat, defaults that depend
on compatibility_level are given as they apply at that level. VERSION may be a patch
release (3.7.11) or a line (3.7, meaning its newest patch release).

Exit status: 0 no errors, 1 at least one error-severity finding, 2 usage error or unreadable file.
`;

class UsageError extends Error {}

interface Options {
  command: 'check' | 'defaults';
  names: string[];
  postfix?: string;
  compat?: string;
  format: 'text' | 'json';
  files: { path: string; kind: FileKind }[];
  help: boolean;
}

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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { command: 'check', names: [], format: 'text', files: [], help: true };
  const [command, ...rest] = positionals;
  if (command === 'defaults') {
    if (values.main || values.master || values.policy || values.format) throw new UsageError('defaults takes --postfix, --compat and parameter names only');
    return { command, names: rest, postfix: values.postfix, compat: values.compat, format: 'text', files: [], help: false };
  }
  if (command !== 'check') {
    throw new UsageError(command === undefined ? 'missing command; try "postfix-tls check main.cf"' : `unknown command "${command}"; the commands are "check" and "defaults"`);
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
  const files: Options['files'] = [
    ...(values.main ?? []).map((path) => ({ path, kind: 'main' as const })),
    ...(values.master ?? []).map((path) => ({ path, kind: 'master' as const })),
    ...(values.policy ?? []).map((path) => ({ path, kind: 'policy' as const })),
  ];
  for (const path of rest) {
    const kind = kindFromName(path);
    if (!kind) throw new UsageError(`cannot tell what kind of file "${path}" is; pass it with --main, --master or --policy`);
    files.push({ path, kind });
  }
  if (files.length === 0) throw new UsageError('no files to check; give main.cf, master.cf or --policy FILE');
  return { command, names: [], postfix: values.postfix, compat: values.compat, format, files, help: false };
}

const contentDir = join(projectRoot, 'content');
const cacheFile = join(projectRoot, 'node_modules', '.cache', 'postfix-tls', 'facts.json');

/** Names, sizes and times of every content file: when none changed, the cached facts are still right. */
async function contentFingerprint(): Promise<string> {
  const entries = await readdir(contentDir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  const hash = createHash('sha256');
  for (const f of files) {
    const st = await stat(f);
    hash.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/**
 * Facts from content/. Validating ~250 YAML files takes a few hundred milliseconds, so the result is
 * cached under node_modules/.cache and reused while no content file changes.
 */
async function loadFacts(): Promise<Facts> {
  const key = await contentFingerprint().catch(() => undefined);
  if (key) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { key: string; data: FactsData };
      if (cached.key === key) return factsFromData(cached.data);
    } catch {
      // No cache yet, or unreadable: build it below.
    }
  }
  // Loaded on demand: the YAML and schema libraries are the slow part of starting up.
  const { loadContentDir } = await import('./lib/content-files.ts');
  const { content } = await loadContentDir(projectRoot);
  const data = factsDataFromContent(content);
  if (key) {
    await mkdir(dirname(cacheFile), { recursive: true }).then(() => writeFile(cacheFile, JSON.stringify({ key, data })), () => undefined).catch(() => undefined);
  }
  return factsFromData(data);
}

/** `file:line:col: severity rule message`, the source line with a caret, the fix and the docs path. */
export function formatText(findings: readonly Finding[], sources: ReadonlyMap<string, string[]>): string {
  const out: string[] = [];
  for (const f of findings) {
    out.push(`${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule} ${f.message}`);
    const line = sources.get(f.file)?.[f.line - 1];
    if (line !== undefined) {
      const gutter = String(f.line).padStart(5);
      const pad = line.slice(0, Math.max(0, f.column - 1)).replace(/[^\t]/g, ' ');
      out.push(`${gutter} | ${line}`, `${' '.repeat(gutter.length)} | ${pad}^`);
    }
    out.push(`  fix: ${f.fix}`, `  docs: ${f.docs}`, '');
  }
  return out.join('\n');
}

function summary(findings: readonly Finding[], version: string): string {
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `${n(count('error'), 'error')}, ${n(count('warning'), 'warning')}, ${count('info')} info (checked against Postfix ${version})`;
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`postfix-tls: ${e.message}\nRun "postfix-tls --help" for usage.\n`);
      return 2;
    }
    throw e;
  }
  const facts = await loadFacts();
  if (opts.help) {
    process.stdout.write(usage.replace('%NEWEST%', facts.releases.length ? newestRelease(facts) : 'unknown'));
    return 0;
  }
  const problems = optionProblems({ facts, postfix: opts.postfix, compatibilityLevel: opts.compat });
  if (problems.length > 0) {
    process.stderr.write(`postfix-tls: ${problems.join('; ')}\n`);
    return 2;
  }
  if (opts.command === 'defaults') {
    const { lines, warnings } = releaseDefaults(facts, { postfix: opts.postfix ?? newestRelease(facts), compatibilityLevel: opts.compat, names: opts.names });
    for (const w of warnings) process.stderr.write(`postfix-tls: warning: ${w}\n`);
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return 0;
  }
  const files: InputFile[] = [];
  for (const f of opts.files) {
    try {
      files.push({ name: f.path, kind: f.kind, text: await readFile(f.path, 'utf8') });
    } catch (e) {
      const err = e as { code?: string; message: string };
      const reason = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : (err.code ?? err.message);
      process.stderr.write(`postfix-tls: cannot read ${f.path}: ${reason}\n`);
      return 2;
    }
  }
  const { findings, config } = analyze({ files, facts, postfix: opts.postfix, compatibilityLevel: opts.compat });
  const version = config.version;
  if (opts.format === 'json') {
    process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  } else {
    const sources = new Map(files.map((f) => [f.name, f.text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''))]));
    process.stdout.write(formatText(findings, sources));
    process.stdout.write(`${summary(findings, version)}\n`);
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

// Run only when executed, not when a test imports the helpers.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      process.stderr.write(`postfix-tls: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
