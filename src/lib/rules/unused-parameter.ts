import type { RuleFinding } from '../engine-types.ts';
import { atName } from './support/findings.ts';
import { unknownParameters } from './unknown-parameter.ts';
import type { Rule } from './types.ts';

export const unusedParameter: Rule = {
  id: 'unused-parameter',
  title: 'Parameter Postfix does not know, used nowhere',
  severity: 'info',
  description:
    'A name that no Postfix release has and that nothing references (no $name in main.cf or master.cf, not a '
    + 'restriction class) is ignored: Postfix logs "unused parameter" for it, and postconf -n shows the same. It is '
    + 'not a near miss of a real name, so it is probably a note, a setting for another program or a custom parameter '
    + 'that lost its last user. Delete it, or reference it where it is meant to be used.',
  example: {
    file: 'main',
    bad: 'dovecot_destination_auth = yes',
    good: '# delete the line, or use the value: submission ... -o smtpd_client_restrictions=$mua_client_restrictions',
  },
  // Without the list of non-TLS names (hand-built test facts) every such name would look unknown.
  check: ({ config, facts }) => facts.nonTlsParameterNames.size === 0 ? [] : unknownParameters(config, 'unused').map(({ a }): RuleFinding => atName(a,
    `No Postfix release has a parameter ${a.name} and nothing references $${a.name}, so Postfix ignores this line and logs "unused parameter" (postconf -n warns the same way).`,
    `Delete the line, or reference it as $${a.name} where it is meant to apply.`)),
};
