import { z } from 'zod';
import { releaseVersion } from './common.ts';

/**
 * content/non-tls-parameters.yaml: the names of every Postfix parameter outside TLS. The reference does not
 * describe them; the checker uses them only to tell a typo ("myhostnme") from a real parameter.
 */
export const nonTlsParametersSchema = z.strictObject({
  /** Release whose `postconf -d` (with the stock master.cf) the list was taken from. */
  postfix: releaseVersion,
  /** Names Postfix knows that have no entry in content/parameters/, sorted. */
  names: z.array(z.string().regex(/^[a-z0-9][A-Za-z0-9_]*$/, 'must be a Postfix parameter name')).min(100),
  /** Suffixes Postfix accepts after any delivery transport's name (<transport>_destination_rate_delay, ...). */
  per_transport_suffixes: z.array(z.string().regex(/^_[a-z_]+$/)).min(1),
});
export type NonTlsParameters = z.infer<typeof nonTlsParametersSchema>;
