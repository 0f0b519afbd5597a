import { z } from 'zod';
import { releaseVersion, source } from './common.ts';

/** A Postfix cipher grade (the value of *_tls_ciphers / *_tls_mandatory_ciphers). */
export const cipherGradeSchema = z.strictObject({
  /** The grade as written in main.cf. */
  name: z.enum(['export', 'low', 'medium', 'high', 'null']),
  /** How the site rates using it today. */
  status: z.enum(['insecure', 'acceptable', 'recommended', 'special']),
  /** The parameter holding the OpenSSL cipher list behind this grade. */
  cipherlist_parameter: z.string(),
  /** Changes over Postfix releases, oldest first. */
  changes: z.array(z.strictObject({
    /** Release of the change. */
    since: releaseVersion,
    /** What changed. */
    note: z.string(),
  })).default([]),
  /** One line, written for this site. */
  summary: z.string(),
  /** Markdown explanation, written for this site. */
  description: z.string(),
  /** Where the facts come from. */
  sources: z.array(source).min(1),
});
export type CipherGrade = z.infer<typeof cipherGradeSchema>;
