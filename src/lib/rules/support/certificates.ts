import type { EffectiveConfig } from '../../config/effective.ts';
import type { Service } from '../../config/services.ts';
import { statusAt, type Facts } from '../../facts.ts';

/** Certificate/key parameter pairs per program prefix, as far as the data knows them. */
export function certKeyPairs(facts: Facts): { prefix: string; cert: string; key: string }[] {
  const out: { prefix: string; cert: string; key: string }[] = [];
  for (const prefix of ['smtpd', 'smtp', 'lmtp', 'tlsproxy', 'tlsproxy_client']) {
    for (const [c, k] of [['cert', 'key'], ['eccert', 'eckey'], ['dcert', 'dkey']] as const) {
      const cert = `${prefix}_tls_${c}_file`;
      const key = `${prefix}_tls_${k}_file`;
      if (facts.parameters.has(cert) && facts.parameters.has(key)) out.push({ prefix, cert, key });
    }
  }
  return out;
}

export type SetState = 'set' | 'empty' | 'unknown';

export function stateOf(config: EffectiveConfig, name: string, service: Service | undefined): SetState {
  const p = config.facts.parameters.get(name);
  // A parameter the release does not know is reported by its own rule; do not guess what it would do.
  if (p && statusAt(p, config.version) !== 'available' && statusAt(p, config.version) !== 'deprecated') return 'unknown';
  const r = config.resolve(name, service);
  if (r.raw === undefined) return r.origin === 'unset' ? 'empty' : 'unknown';
  if (r.value === undefined) return 'unknown';
  return r.value.trim() === '' ? 'empty' : 'set';
}

/** Whether a service (or main.cf) has any server certificate: cert, eccert, dcert or chain_files. */
export function serverCertificate(config: EffectiveConfig, service: Service | undefined, prefix = 'smtpd'): SetState {
  const names = [`${prefix}_tls_chain_files`, ...certKeyPairs(config.facts).filter((p) => p.prefix === prefix).map((p) => p.cert)];
  const states = names.filter((n) => config.facts.parameters.has(n)).map((n) => stateOf(config, n, service));
  if (states.includes('set')) return 'set';
  return states.includes('unknown') ? 'unknown' : 'empty';
}
