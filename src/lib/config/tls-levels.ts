import type { Facts } from '../facts.ts';
import { isYes, type EffectiveConfig, type Resolved } from './effective.ts';
import type { Service } from './services.ts';

/**
 * The TLS security level a service really runs at, including the legacy switches
 * (`smtpd_use_tls`/`smtpd_enforce_tls` and the client equivalents) that apply while the level parameter
 * is empty, and implicit TLS (wrapper mode).
 */

export interface TlsSide {
  /** Effective level name, or undefined when it depends on template output or unknown values. */
  level: string | undefined;
  /** Where the level came from: the level parameter itself, or a legacy switch. */
  from: Resolved;
  /** Implicit TLS on connect (`*_tls_wrappermode = yes`). */
  wrapper: boolean;
}

export function levelOrder(facts: Facts, level: string | undefined): number | undefined {
  return level === undefined ? undefined : facts.securityLevels.get(level)?.order;
}

/** TLS is a precondition at this level (encrypt and stronger). */
export function requiresTls(facts: Facts, level: string | undefined): boolean {
  const o = levelOrder(facts, level);
  const encrypt = levelOrder(facts, 'encrypt');
  return o !== undefined && encrypt !== undefined && o >= encrypt;
}

/**
 * The level reads the `*_mandatory_*` protocol and cipher settings: every level above `may`
 * (the SMTP client uses the opportunistic settings only at `may`).
 */
export function usesMandatorySettings(facts: Facts, level: string | undefined): boolean {
  const o = levelOrder(facts, level);
  const may = levelOrder(facts, 'may');
  return o !== undefined && may !== undefined && o > may;
}

function legacyLevel(config: EffectiveConfig, prefix: string, service: Service | undefined): TlsSide['level'] {
  const enforce = config.resolve(`${prefix}_enforce_tls`, service);
  const use = config.resolve(`${prefix}_use_tls`, service);
  if ((enforce.origin !== 'unset' && enforce.value === undefined) || (use.origin !== 'unset' && use.value === undefined)) return undefined;
  if (isYes(enforce.value)) return 'encrypt';
  if (isYes(use.value)) return 'may';
  return 'none';
}

export function serverTls(config: EffectiveConfig, service: Service | undefined): TlsSide {
  const lv = config.resolve('smtpd_tls_security_level', service);
  const wrapper = isYes(config.resolve('smtpd_tls_wrappermode', service).value);
  if (lv.value === undefined && lv.origin !== 'unset') return { level: undefined, from: lv, wrapper };
  const v = (lv.value ?? '').trim();
  if (v !== '') return { level: v, from: lv, wrapper };
  return { level: legacyLevel(config, 'smtpd', service), from: lv, wrapper };
}

/** The client side of an smtp or lmtp service (`prefix` is "smtp" or "lmtp"). */
export function clientTls(config: EffectiveConfig, service: Service | undefined, prefix: 'smtp' | 'lmtp' = 'smtp'): TlsSide {
  const lv = config.resolve(`${prefix}_tls_security_level`, service);
  const wrapper = isYes(config.resolve(`${prefix}_tls_wrappermode`, service).value);
  if (lv.value === undefined && lv.origin !== 'unset') return { level: undefined, from: lv, wrapper };
  const v = (lv.value ?? '').trim();
  if (v !== '') return { level: v, from: lv, wrapper };
  return { level: legacyLevel(config, prefix, service), from: lv, wrapper };
}

/** The server side needs the mandatory settings: level encrypt or wrapper mode. */
export function serverMandatory(config: EffectiveConfig, side: TlsSide): boolean {
  return side.wrapper || requiresTls(config.facts, side.level);
}

/** Per-destination policy can pick any level for some destinations. */
export function hasPerDestinationPolicy(config: EffectiveConfig, service: Service | undefined, prefix: 'smtp' | 'lmtp'): boolean {
  for (const name of [`${prefix}_tls_policy_maps`, `${prefix}_tls_per_site`]) {
    const r = config.resolve(name, service);
    if (r.raw === undefined ? r.origin !== 'unset' : r.raw.trim() !== '') return true;
  }
  return false;
}
