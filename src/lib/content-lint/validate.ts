import type { z } from 'zod';
import type { ContentProblem } from './problem.ts';
import type { PositionedYaml } from './positioned-yaml.ts';

/** Validates a parsed file against a Zod schema; each issue becomes a positioned problem. */
export function validateWithSchema<S extends z.ZodType>(
  doc: PositionedYaml,
  schema: S,
  data: unknown = doc.data,
  basePath: (string | number)[] = [],
): { value?: z.infer<S>; problems: ContentProblem[] } {
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, problems: [] };
  const problems = result.error.issues.map((issue) => {
    const path = [...basePath, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    return {
      file: doc.file,
      line: doc.lineOf(path),
      field: fieldName(issue.path.length ? path.slice(basePath.length) : path, issue),
      reason: describeIssue(issue),
    };
  });
  return { problems };
}

function fieldName(path: (string | number)[], issue: z.core.$ZodIssue): string {
  const parts = path.map(String);
  if (issue.code === 'unrecognized_keys') parts.push(...issue.keys);
  return parts.join('.');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field (allowed fields are listed in src/lib/schema/)`;
    case 'invalid_type':
      return issue.input === undefined ? `is required` : `expected ${issue.expected}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}
