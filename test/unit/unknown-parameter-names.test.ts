// The unknown-parameter rule on the real data: TLS names are all known, other names are known by name only,
// and a name outside TLS is reported only when it is a near miss of a real one.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/lib/check.ts';
import { realFacts } from '../support/content.ts';

async function unknownNames(mainCf: string, masterCf?: string): Promise<Record<string, string>> {
  const facts = await realFacts();
  const files = [{ name: 'main.cf', kind: 'main' as const, text: mainCf }, ...(masterCf ? [{ name: 'master.cf', kind: 'master' as const, text: masterCf }] : [])];
  const findings = check({ files, facts, postfix: '3.7' }).filter((f) => f.rule === 'unknown-parameter');
  return Object.fromEntries(findings.map((f) => [f.parameter ?? '', /Did you mean (\S+)\?/.exec(f.message)?.[1] ?? '']));
}

describe('unknown parameters outside TLS', () => {
  it('reports near misses of real non-TLS names, with the real name', async () => {
    const found = await unknownNames('myhostnme = mx.example.com\nrelayhots = [smtp.example.net]:587\nvirtual_alias_map = hash:/etc/postfix/virtual\nmessage_size_limt = 0\n');
    expect(found).toEqual({
      myhostnme: 'myhostname', relayhots: 'relayhost', virtual_alias_map: 'virtual_alias_maps', message_size_limt: 'message_size_limit',
    });
  });

  it('accepts every real name, per-transport settings of any transport, and referenced custom names', async () => {
    expect(await unknownNames([
      'myhostname = mx.example.com', 'mynetworks_style = host', 'smtpd_recipient_restrictions = permit_mynetworks, reject',
      'smtp2_destination_rate_delay = 1s', 'mailman_destination_recipient_limit = 1',
      'mua_client_restrictions = permit_sasl_authenticated, reject',
      // Names far from any real one are custom names, not typos: Postfix only says "unused parameter".
      'smtpd_forbid_bare_newline = normalize', 'my_own_setting = 1',
    ].join('\n') + '\n', 'submission inet n - y - - smtpd\n  -o smtpd_client_restrictions=$mua_client_restrictions\n')).toEqual({});
  });
});
