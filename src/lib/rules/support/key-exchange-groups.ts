/**
 * How Postfix 3.10+ linked with OpenSSL 3.5+ turns tls_eecdh_auto_curves and tls_ffdhe_auto_groups into the
 * groups of a TLS 1.3 ClientHello, and which of them get a key share in the first ClientHello.
 *
 * Postfix (src/tls/tls_dh.c, 3.10 and later) joins the two values, splits them at whitespace, commas and
 * colons, drops the names OpenSSL does not accept one by one, and hands the rest to OpenSSL joined with ":".
 * OpenSSL 3.5 (ssl/t1_lib.c, tls1_set_groups_list) then reads each name with optional prefixes: "?" ignore the
 * name when unknown, "*" send a key share for it, "-" remove it; "/" separates preference tuples; "DEFAULT" is
 * its built-in list. A group named twice keeps its first place and prefix. When no name carries "*", exactly
 * one key share is sent: for the first group of the list that TLS 1.3 can use.
 *
 * Only names known here are modelled; any other name (a provider's group, a misspelling) makes the answer
 * unknown, so rules built on it stay silent rather than guess.
 */

/** OpenSSL 3.5's built-in list behind the pseudo-group DEFAULT (ssl/t1_lib.c, TLS_DEFAULT_GROUP_LIST). */
export const opensslDefaultGroups = '?*X25519MLKEM768 / ?*X25519:?secp256r1 / ?X448:?secp384r1:?secp521r1 / ?ffdhe2048:?ffdhe3072';

/**
 * Postfix 3.11's default for tls_eecdh_auto_curves when built with OpenSSL 3.5 or later (mail_params.h); with
 * that build tls_ffdhe_auto_groups defaults to empty. The content data records the OpenSSL 3.0-3.4 build.
 */
export const postfix311Openssl35Curves = '?X25519MLKEM768:DEFAULT';

/** ML-KEM groups of OpenSSL 3.5's default provider: pure ML-KEM and the hybrids with X25519 or a NIST curve. */
const mlkem = ['mlkem512', 'mlkem768', 'mlkem1024', 'x25519mlkem768', 'secp256r1mlkem768', 'secp384r1mlkem1024'];

/** Classical groups TLS 1.3 can use, with OpenSSL's aliases mapped to one name. */
const tls13Classical: Record<string, string> = {
  x25519: 'x25519', x448: 'x448',
  secp256r1: 'secp256r1', prime256v1: 'secp256r1', 'p-256': 'secp256r1',
  secp384r1: 'secp384r1', 'p-384': 'secp384r1',
  secp521r1: 'secp521r1', 'p-521': 'secp521r1',
  ffdhe2048: 'ffdhe2048', ffdhe3072: 'ffdhe3072', ffdhe4096: 'ffdhe4096', ffdhe6144: 'ffdhe6144', ffdhe8192: 'ffdhe8192',
  brainpoolp256r1tls13: 'brainpoolp256r1tls13', brainpoolp384r1tls13: 'brainpoolp384r1tls13', brainpoolp512r1tls13: 'brainpoolp512r1tls13',
};

/** Groups OpenSSL knows for TLS 1.2 only: they count as groups but never carry a TLS 1.3 key share. */
const tls12Only = new Set(['brainpoolp256r1', 'brainpoolp384r1', 'brainpoolp512r1']);

export function isMlkemGroup(name: string): boolean {
  return mlkem.includes(name.toLowerCase());
}

/** One name as written in a Postfix parameter value. */
export interface GroupItem {
  /** The text as written, prefixes included. */
  text: string;
  /** Which value it came from (a parameter name) and where in it; undefined for names from DEFAULT. */
  source?: string;
  offset?: number;
}

export interface KeyShares {
  /** Groups offered, in order, as lowercase canonical names. */
  groups: string[];
  /** Groups that get a key share in the first ClientHello. */
  shares: string[];
  /** For each group, the item that put it in the list. */
  origin: Map<string, GroupItem>;
}

/** The names of one Postfix value, split the way Postfix 3.10+ and OpenSSL split them. */
export function groupItems(value: string, source: string): GroupItem[] {
  const out: GroupItem[] = [];
  const re = /[^\s,:/]+/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push({ text: m[0], source, offset: m.index });
  return out;
}

/**
 * The groups and first-handshake key shares for the items of both parameters in order, as OpenSSL 3.5 would
 * set them; undefined when a name or prefix is outside what is modelled here, or nothing usable is listed.
 */
export function keyShares(items: readonly GroupItem[]): KeyShares | undefined {
  const groups: string[] = [];
  const shares: string[] = [];
  const origin = new Map<string, GroupItem>();
  const add = (item: GroupItem, fromDefault: boolean): boolean => {
    const m = /^([?*]{0,2})(.+)$/.exec(item.text);
    if (!m) return false;
    const prefixes = m[1] ?? '';
    const name = (m[2] ?? '').toLowerCase();
    if (new Set(prefixes).size !== prefixes.length || name.startsWith('-')) return false;
    if (name === 'default') {
      if (prefixes !== '' || fromDefault) return false;
      return groupItems(opensslDefaultGroups, '').every((d) => add({ text: d.text }, true));
    }
    const canonical = isMlkemGroup(name) ? name : tls13Classical[name] ?? (tls12Only.has(name) ? name : undefined);
    if (canonical === undefined) return false;
    if (groups.includes(canonical)) return true;
    groups.push(canonical);
    origin.set(canonical, item);
    if (prefixes.includes('*')) shares.push(canonical);
    return true;
  };
  for (const item of items) if (!add(item, false)) return undefined;
  if (groups.length === 0) return undefined;
  if (shares.length === 0) {
    const first = groups.find((g) => !tls12Only.has(g));
    if (first) shares.push(first);
  }
  return { groups, shares, origin };
}
