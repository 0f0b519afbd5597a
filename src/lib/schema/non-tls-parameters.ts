import { z } from 'zod';
import { postfixVersion } from './common.ts';

const name = z.string().regex(/^[a-z0-9][A-Za-z0-9_]*$/, 'must be a Postfix parameter name');

/**
 * content/non-tls-parameters.yaml: the names of every Postfix parameter outside TLS, in any release 2.2-3.11.
 * The reference does not describe them; the checker uses them to tell a typo ("myhostnme") from a real
 * parameter, and their dates to tell a name the target release lacks.
 */
export const nonTlsParametersSchema = z.strictObject({
  /** Installations whose `postconf -d` (with the stock master.cf) the list was checked against. */
  checked_on: z.array(z.string().min(3)).min(1),
  /** Every name, sorted; none of them has an entry in content/parameters/. */
  names: z.array(name).min(100),
  /** First release with the name, for names newer than 2.2 (a patch release where it arrived in one). */
  since: z.record(name, postfixVersion).default({}),
  /** First release without the name, for names Postfix dropped. */
  removed: z.record(name, postfixVersion).default({}),
  /** Suffixes Postfix accepts after any delivery transport's name (<transport>_destination_rate_delay, ...). */
  per_transport_suffixes: z.array(z.string().regex(/^_[a-z_]+$/)).min(1),
});
export type NonTlsParameters = z.infer<typeof nonTlsParametersSchema>;
