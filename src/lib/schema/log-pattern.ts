import { z } from 'zod';
import { parameterName } from './common.ts';

/** A recognisable Postfix TLS log line and what it means (content/log-patterns/<id>.yaml). */
export const logPatternSchema = z.strictObject({
  /** Stable id, identical to the file name; used in /explain/ anchors. */
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** Short name of the event, e.g. "Anonymous TLS connection (server side)". */
  title: z.string(),
  /** JavaScript regular expression (no slashes) matched against the message part of the line; named groups become placeholders. */
  match: z.string().refine((s) => { try { new RegExp(s); return true; } catch { return false; } }, 'must be a valid JavaScript regular expression'),
  /** How the reader should feel about it: fine, worth knowing, worth fixing, broken. */
  severity: z.enum(['ok', 'info', 'warning', 'error']),
  /** What happened, in Markdown; `{group}` inserts a named group of the match. */
  explanation: z.string(),
  /** What to do next, one item per step. */
  next_steps: z.array(z.string()).default([]),
  /** Parameters a reader should look at. */
  parameters: z.array(parameterName).default([]),
  /** Real log lines this pattern must recognise (the fixtures of its test). */
  examples: z.array(z.string()).min(1),
  /** Other words readers search with for this line (variants of the message, SMTP replies); indexed with the pattern. */
  search_terms: z.array(z.string().min(2)).default([]),
  /** Where the example lines come from (a test run here, a public thread, Postfix docs). */
  sources: z.array(z.string()).min(1),
});
export type LogPattern = z.infer<typeof logPatternSchema>;
