/**
 * Shared shapes of the config engine: what goes in (files), what comes out (findings) and the positioned
 * problems parsers report. Pure types, so the build, the CLI and the browser all import the same thing.
 */

export type Severity = 'error' | 'warning' | 'info';

/** Which Postfix file a text is: main.cf, master.cf or the source form of a TLS policy table. */
export type FileKind = 'main' | 'master' | 'policy';

export interface InputFile {
  /** Shown in findings exactly as given (a path or a label such as "main.cf"). */
  name: string;
  kind: FileKind;
  text: string;
}

/** 1-based line and column (columns count UTF-16 code units, as editors do). */
export interface Position {
  line: number;
  column: number;
}

/** One thing the checker has to say about a file. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  /** Stable kebab-case rule id; the site has a page for it at `docs`. */
  rule: string;
  /** The Postfix parameter concerned, or null when the finding is about syntax or a service line. */
  parameter: string | null;
  /** What is wrong and why it matters, in one or two sentences. */
  message: string;
  /** What to type instead. */
  fix: string;
  /** Site-relative URL of the rule page, e.g. "/rules/unknown-parameter/". */
  docs: string;
}

/** A finding before the engine adds severity, rule id and docs from the rule's metadata. */
export interface RuleFinding extends Position {
  file: string;
  parameter: string | null;
  message: string;
  fix: string;
}

/** A positioned syntax problem from a parser; never thrown. */
export interface ParseProblem extends Position {
  /** Machine-readable kind, e.g. "field-count" (see the parser that reports it). */
  code: string;
  /** The parameter the problem is about, when there is one. */
  parameter: string | null;
  message: string;
  fix: string;
}

export { rulePath as ruleDocsUrl, parameterPath as parameterDocsUrl } from './urls.ts';
