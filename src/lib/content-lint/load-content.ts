import type { z } from 'zod';
import {
  cipherGradeSchema, logPatternSchema, nonTlsParametersSchema, parameterSchema, protocolSchema, recipeSchema, releaseSchema,
  securityLevelSchema, type CipherGrade, type LogPattern, type NonTlsParameters, type Parameter, type Protocol, type Recipe,
  type Release, type SecurityLevel,
} from '../schema/index.ts';
import { parsePositionedYaml, type PositionedYaml } from './positioned-yaml.ts';
import type { ContentProblem } from './problem.ts';
import { validateWithSchema } from './validate.ts';
import { crossCheck } from './cross-check.ts';

/** A content file as read from disk: project-relative path and text. */
export interface SourceFile {
  file: string;
  text: string;
}

/** An entry together with the document it came from, so later checks can position their problems. */
export interface Located<T> {
  value: T;
  doc: PositionedYaml;
  /** Lines to add to doc.lineOf() results (non-zero for Markdown front matter). */
  lineOffset: number;
}

export interface RecipeEntry extends Recipe {
  /** File name without extension: the URL slug. */
  slug: string;
  /** Markdown body after the front matter. */
  body: string;
  /** 1-based line in the file where the body starts. */
  bodyLine: number;
}

export interface Content {
  releases: Located<Release>[];
  parameters: Located<Parameter>[];
  protocols: Located<Protocol>[];
  cipherGrades: Located<CipherGrade>[];
  securityLevels: Located<SecurityLevel>[];
  recipes: Located<RecipeEntry>[];
  logPatterns: Located<LogPattern>[];
  /** content/non-tls-parameters.yaml; optional so that tests can load a few files on their own. */
  nonTlsParameters?: Located<NonTlsParameters>;
}

export interface LoadResult {
  content: Content;
  problems: ContentProblem[];
}

/** Folder (under content/) and schema for each one-entity-per-file collection. */
const entityCollections = {
  parameters: { dir: 'parameters', schema: parameterSchema },
  protocols: { dir: 'protocols', schema: protocolSchema },
  cipherGrades: { dir: 'cipher-grades', schema: cipherGradeSchema },
  securityLevels: { dir: 'security-levels', schema: securityLevelSchema },
  logPatterns: { dir: 'log-patterns', schema: logPatternSchema },
} as const;

/**
 * Parses and validates every content file. Never throws on bad input: every problem is returned with
 * file, line and field so that lint, build and tests report the same thing.
 */
export function loadContent(files: readonly SourceFile[], contentDir = 'content'): LoadResult {
  const problems: ContentProblem[] = [];
  const content: Content = {
    releases: [], parameters: [], protocols: [], cipherGrades: [], securityLevels: [], recipes: [], logPatterns: [],
  };
  const inDir = (dir: string, ext: string) =>
    files.filter((f) => f.file.startsWith(`${contentDir}/${dir}/`) && f.file.endsWith(ext));

  const releasesFile = files.find((f) => f.file === `${contentDir}/releases.yaml`);
  if (!releasesFile) {
    problems.push({ file: `${contentDir}/releases.yaml`, line: 1, field: '', reason: 'file is missing' });
  } else {
    const parsed = parsePositionedYaml(releasesFile.file, releasesFile.text);
    if (!parsed.ok) problems.push(...parsed.problems);
    else if (!Array.isArray(parsed.value.data)) {
      problems.push({ file: releasesFile.file, line: 1, field: '', reason: 'must be a YAML list of releases' });
    } else {
      parsed.value.data.forEach((item, i) => {
        const r = validateWithSchema(parsed.value, releaseSchema, item, [i]);
        problems.push(...r.problems);
        if (r.value) content.releases.push({ value: r.value, doc: parsed.value, lineOffset: 0 });
      });
    }
  }

  const namesFile = files.find((f) => f.file === `${contentDir}/non-tls-parameters.yaml`);
  if (namesFile) {
    const parsed = parsePositionedYaml(namesFile.file, namesFile.text);
    if (!parsed.ok) problems.push(...parsed.problems);
    else {
      const r = validateWithSchema(parsed.value, nonTlsParametersSchema);
      problems.push(...r.problems);
      if (r.value) content.nonTlsParameters = { value: r.value, doc: parsed.value, lineOffset: 0 };
    }
  }

  for (const [key, { dir, schema }] of Object.entries(entityCollections)) {
    for (const f of inDir(dir, '.yaml')) {
      const parsed = parsePositionedYaml(f.file, f.text);
      if (!parsed.ok) { problems.push(...parsed.problems); continue; }
      const r = validateWithSchema(parsed.value, schema as z.ZodType);
      problems.push(...r.problems);
      if (!r.value) continue;
      const expected = f.file.slice(f.file.lastIndexOf('/') + 1, -'.yaml'.length);
      const name = (r.value as { name?: string; id?: string }).name ?? (r.value as { id: string }).id;
      if (name !== expected) {
        problems.push({ file: f.file, line: parsed.value.lineOf([key === 'logPatterns' ? 'id' : 'name']), field: key === 'logPatterns' ? 'id' : 'name', reason: `"${name}" must equal the file name "${expected}"` });
      }
      (content[key as keyof typeof entityCollections] as Located<unknown>[]).push({ value: r.value, doc: parsed.value, lineOffset: 0 });
    }
  }

  for (const f of inDir('recipes', '.md')) {
    const fm = splitFrontMatter(f.text);
    if (!fm) {
      problems.push({ file: f.file, line: 1, field: '', reason: 'recipe must start with YAML front matter between --- lines' });
      continue;
    }
    const parsed = parsePositionedYaml(f.file, fm.yaml);
    if (!parsed.ok) { problems.push(...parsed.problems.map((p) => ({ ...p, line: p.line + 1 }))); continue; }
    const r = validateWithSchema(parsed.value, recipeSchema);
    problems.push(...r.problems.map((p) => ({ ...p, line: p.line + 1 })));
    if (!r.value) continue;
    const slug = f.file.slice(f.file.lastIndexOf('/') + 1, -'.md'.length);
    content.recipes.push({ value: { ...r.value, slug, body: fm.body, bodyLine: fm.bodyLine }, doc: parsed.value, lineOffset: 1 });
  }

  problems.push(...crossCheck(content));
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { content, problems };
}

/** Splits `---\nyaml\n---\nbody`; returns null when there is no front matter. */
export function splitFrontMatter(text: string): { yaml: string; body: string; bodyLine: number } | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!m) return null;
  const bodyLine = m[0].split('\n').length - (m[0].endsWith('\n') ? 0 : 1);
  return { yaml: m[1] ?? '', body: text.slice(m[0].length), bodyLine };
}
