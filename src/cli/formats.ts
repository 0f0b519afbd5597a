/**
 * How `postfix-tls check` prints findings: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning
 * tools and GitHub workflow commands for annotations on a pull request. Pure functions of the findings, so
 * the tests call them directly and the CLI only chooses one.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Severity } from '../lib/engine-types.ts';
import type { Rule } from '../lib/rules/index.ts';
import { rulePath } from '../lib/urls.ts';

export const formats = ['text', 'json', 'sarif', 'github'] as const;
export type Format = (typeof formats)[number];

/** Absolute docs URL when a base is known ("https://example.org" + "/rules/x/"), else the site path as is. */
export function docsLink(path: string, base: string | undefined): string {
  return base ? `${base.replace(/\/+$/, '')}${path}` : path;
}

/** `file:line:col: severity rule message`, the source line with a caret, the fix and the docs link. */
export function formatText(findings: readonly Finding[], sources: ReadonlyMap<string, readonly string[]>, docsBase?: string): string {
  const out: string[] = [];
  for (const f of findings) {
    out.push(`${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule} ${f.message}`);
    const line = sources.get(f.file)?.[f.line - 1];
    if (line !== undefined) {
      const gutter = String(f.line).padStart(5);
      const pad = line.slice(0, Math.max(0, f.column - 1)).replace(/[^\t]/g, ' ');
      out.push(`${gutter} | ${line}`, `${' '.repeat(gutter.length)} | ${pad}^`);
    }
    out.push(`  fix: ${f.fix}`, `  docs: ${docsLink(f.docs, docsBase)}`, '');
  }
  return out.join('\n');
}

/** "1 error, 2 warnings, 0 info (checked against Postfix 3.7.11)". */
export function summary(findings: readonly Finding[], version: string): string {
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `${n(count('error'), 'error')}, ${n(count('warning'), 'warning')}, ${count('info')} info (checked against Postfix ${version})`;
}

/** The findings as a JSON array; with a docs base, `docs` holds the absolute URL. */
export function formatJson(findings: readonly Finding[], docsBase?: string): string {
  const out = docsBase ? findings.map((f) => ({ ...f, docs: docsLink(f.docs, docsBase) })) : findings;
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * A path as CI tools want it: relative to the working directory (with "/") when the file is inside it,
 * otherwise absolute. GitHub matches annotations and code-scanning results to repository files this way.
 */
export function displayPath(file: string, cwd: string): { path: string; inside: boolean } {
  const rel = relative(cwd, isAbsolute(file) ? file : `${cwd}${sep}${file}`);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return { path: rel.split(sep).join('/'), inside: true };
  return { path: isAbsolute(file) ? file : `${cwd}${sep}${file}`, inside: false };
}

// GitHub workflow commands: the message may hold anything but %, CR and LF; property values also not : or ,.
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
const githubCommand: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/** `::error file=main.cf,line=3,col=1,title=rule::message` lines, one per finding. */
export function formatGithub(findings: readonly Finding[], cwd: string, docsBase?: string): string {
  return findings.map((f) => {
    const props = [`file=${displayPath(f.file, cwd).path}`, `line=${f.line}`, `col=${f.column}`, `title=${f.rule}`]
      .map((p) => { const i = p.indexOf('='); return `${p.slice(0, i + 1)}${escapeProperty(p.slice(i + 1))}`; });
    const text = `${f.message}\nFix: ${f.fix}\nDocs: ${docsLink(f.docs, docsBase)}`;
    return `::${githubCommand[f.severity]} ${props.join(',')}::${escapeData(text)}\n`;
  }).join('');
}

const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  rules: readonly Rule[];
  toolVersion: string;
  cwd: string;
  /** Absolute site URL the rule pages live under; without it rules carry their docs path in the help text only. */
  docsBase?: string;
  /** What was checked, recorded as the run's artifacts even when it has no findings. */
  files: readonly string[];
  /** The Postfix release checked against, as a run property. */
  postfixVersion: string;
}

const isAbsoluteUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/** A SARIF 2.1.0 log with one run: every rule's metadata, the files checked and one result per finding. */
export function formatSarif(findings: readonly Finding[], opts: SarifOptions): string {
  const base = opts.docsBase && isAbsoluteUrl(opts.docsBase) ? opts.docsBase : undefined;
  const ruleIndex = new Map(opts.rules.map((r, i) => [r.id, i]));
  const artifactIndex = new Map<string, number>();
  const artifacts: { location: { uri: string; uriBaseId?: string } }[] = [];
  const artifactOf = (file: string) => {
    let i = artifactIndex.get(file);
    if (i === undefined) {
      const { path, inside } = displayPath(file, opts.cwd);
      i = artifacts.push({ location: inside ? { uri: encodeURI(path), uriBaseId: '%SRCROOT%' } : { uri: pathToFileURL(path).href } }) - 1;
      artifactIndex.set(file, i);
    }
    return { ...artifacts[i]!.location, index: i };
  };
  for (const f of opts.files) artifactOf(f);
  const rules = opts.rules.map((r) => {
    const docs = docsLink(rulePath(r.id), base);
    const example = `Instead of:\n\n${indent(r.example.bad)}\n\nwrite:\n\n${indent(r.example.good)}`;
    return {
      id: r.id,
      name: r.id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase()),
      shortDescription: { text: r.title },
      fullDescription: { text: r.description },
      ...(base ? { helpUri: docs } : {}),
      help: {
        text: `${r.description}\n\n${example}\n\nMore: ${docs}`,
        markdown: `${r.description}\n\n${example}\n\nMore: ${base ? `[${docs}](${docs})` : `\`${docs}\` on the Postfix TLS site`}`,
      },
      defaultConfiguration: { level: sarifLevel[r.severity] },
      properties: { tags: ['postfix', 'tls', r.example.file === 'main' ? 'main.cf' : r.example.file === 'master' ? 'master.cf' : 'tls-policy'] },
    };
  });
  const results = findings.map((f) => ({
    ruleId: f.rule,
    ...(ruleIndex.has(f.rule) ? { ruleIndex: ruleIndex.get(f.rule)! } : {}),
    level: sarifLevel[f.severity],
    message: { text: `${f.message} Fix: ${f.fix}` },
    locations: [{
      physicalLocation: {
        artifactLocation: artifactOf(f.file),
        region: { startLine: f.line, startColumn: f.column },
      },
    }],
    ...(f.parameter ? { properties: { parameter: f.parameter } } : {}),
  }));
  const log = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'postfix-tls',
          semanticVersion: opts.toolVersion,
          ...(base ? { informationUri: docsLink('/', base) } : {}),
          rules,
        },
      },
      originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(opts.cwd.endsWith(sep) ? opts.cwd : `${opts.cwd}${sep}`).href } },
      artifacts,
      columnKind: 'utf16CodeUnits',
      results,
      properties: { postfixVersion: opts.postfixVersion },
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

const indent = (code: string) => code.split('\n').map((l) => `    ${l}`).join('\n');
