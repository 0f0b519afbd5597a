import { z } from 'zod';
import { postfixVersion, releaseVersion, source } from './common.ts';

/** An SSL/TLS protocol version as Postfix names it in *_tls_protocols. */
export const protocolSchema = z.strictObject({
  /** Name as written in Postfix protocol lists, e.g. "TLSv1.2". */
  name: z.enum(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']),
  /** Position from oldest (1) to newest, used to order ranges. */
  order: z.number().int().positive(),
  /** How the site rates it today. */
  status: z.enum(['broken', 'deprecated', 'recommended']),
  /** The RFC that defines it, e.g. "RFC 8446". */
  rfc: z.string().regex(/^RFC \d+$/).optional(),
  /** The RFC that deprecates or prohibits it. */
  deprecated_by: z.string().regex(/^RFC \d+$/).optional(),
  /** Year the specification was published. */
  year: z.number().int(),
  /** First Postfix release that accepts the name in protocol lists. */
  postfix_since: releaseVersion,
  /** What current OpenSSL does with it. */
  openssl: z.string(),
  /**
   * Whether OpenSSL 3.0 and later, as distributions ship it, can negotiate it at the default security level:
   * false for SSLv2/SSLv3 (not built) and TLSv1/TLSv1.1 (need @SECLEVEL=0). The checker treats a TLS-required
   * setting that leaves only such protocols as an outage.
   */
  openssl3_default: z.boolean(),
  /**
   * First Postfix release whose required OpenSSL cannot negotiate it at all: Postfix 3.6 requires OpenSSL
   * 1.1.1, which has no SSLv2. From there on, leaving it out of an exclusion list exposes nothing.
   */
  unnegotiable_since: postfixVersion.optional(),
  /** One line, written for this site. */
  summary: z.string(),
  /** Markdown explanation, written for this site. */
  description: z.string(),
  /** Where the facts come from. */
  sources: z.array(source).min(1),
});
export type Protocol = z.infer<typeof protocolSchema>;
