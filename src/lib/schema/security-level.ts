import { z } from 'zod';
import { releaseVersion, source } from './common.ts';

/** A TLS security level (smtp_tls_security_level, smtpd_tls_security_level, policy tables). */
export const securityLevelSchema = z.strictObject({
  /** The level as written in main.cf or a policy table. */
  name: z.enum(['none', 'may', 'encrypt', 'dane', 'dane-only', 'fingerprint', 'verify', 'secure']),
  /** Strength order, 0 = none; the engine treats >= encrypt (3) as "TLS required". */
  order: z.number().int().min(0),
  /** Valid for the SMTP/LMTP client. */
  client: z.boolean(),
  /** Valid for the SMTP server. */
  server: z.boolean(),
  /** First release that accepts the level. */
  since: releaseVersion,
  /** Whether the connection is encrypted: never, opportunistically or always. */
  encryption: z.enum(['none', 'opportunistic', 'mandatory']),
  /** What the client checks about the server's identity. */
  authenticates: z.string(),
  /** Policy-table attributes this level accepts. */
  policy_attributes: z.array(z.string()),
  /** The word Postfix logs for a connection at this level ("Anonymous", "Untrusted", "Trusted", "Verified"). */
  log_result: z.array(z.enum(['Anonymous', 'Untrusted', 'Trusted', 'Verified'])),
  /** One line, written for this site. */
  summary: z.string(),
  /** Markdown explanation, written for this site. */
  description: z.string(),
  /** Where the facts come from. */
  sources: z.array(source).min(1),
});
export type SecurityLevel = z.infer<typeof securityLevelSchema>;
