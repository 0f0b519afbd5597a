import { z } from 'zod';
import { patchVersion, releaseVersion } from './common.ts';

/** One Postfix feature release (x.y.0) and whether the project still maintains it. */
export const releaseSchema = z.strictObject({
  /** Feature release number, e.g. "3.7". */
  version: releaseVersion,
  /** Date of the x.y.0 release, ISO 8601. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be an ISO date such as "2022-02-06"'),
  /** The newest patch release of this line; "3.7" on its own (a checker option, a page) means this release. */
  latest: patchVersion,
  /** True while the Postfix project still publishes patch releases for this line. */
  supported: z.boolean(),
  /** One sentence on what this release changed for TLS, in our own words. */
  tls_changes: z.string().optional(),
});
export type Release = z.infer<typeof releaseSchema>;
