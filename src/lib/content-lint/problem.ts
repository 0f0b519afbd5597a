/** A problem in a content file, positioned so an editor can jump to it. */
export interface ContentProblem {
  /** Path relative to the project root, e.g. "content/parameters/smtpd_use_tls.yaml". */
  file: string;
  /** 1-based line of the offending key or value. */
  line: number;
  /** Dotted field path, e.g. "deprecated.replacement". Empty for whole-file problems. */
  field: string;
  /** What is wrong, written for the person editing the file. */
  reason: string;
}

/** `file:line: field "x": reason`, the one format used by lint, build and tests. */
export function formatProblem(p: ContentProblem): string {
  return p.field ? `${p.file}:${p.line}: field "${p.field}": ${p.reason}` : `${p.file}:${p.line}: ${p.reason}`;
}
