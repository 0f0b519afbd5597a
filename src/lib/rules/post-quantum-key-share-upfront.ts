import type { Service } from '../config/services.ts';
import type { RuleFinding } from '../engine-types.ts';
import type { Assignment } from '../parse/main-cf.ts';
import { compareVersions } from '../versions.ts';
import { atValue } from './support/findings.ts';
import { groupItems, isMlkemGroup, keyShares, postfix311Openssl35Curves, type GroupItem } from './support/key-exchange-groups.ts';
import type { Rule } from './types.ts';

const curves = 'tls_eecdh_auto_curves';
const ffdhe = 'tls_ffdhe_auto_groups';

/**
 * Postfix 3.10 (HISTORY 20240919) started passing group names to OpenSSL as text; 3.9 and older look each
 * name up as a numeric OpenSSL id, which ML-KEM groups do not have, and skip it with a warning.
 */
const textGroupNamesSince = '3.10';
/** Postfix 3.11 built with OpenSSL 3.5+ changed the default of tls_eecdh_auto_curves (HISTORY 20251102). */
const pqDefaultSince = '3.11';

const writtenNames = [curves, ffdhe];

/** Bytes of the client's key share per ML-KEM group (FIPS 203 encapsulation key, plus the classical public key of a hybrid). */
const shareBytes: Record<string, number> = {
  mlkem512: 800, mlkem768: 1184, mlkem1024: 1568, x25519mlkem768: 1216, secp256r1mlkem768: 1249, secp384r1mlkem1024: 1665,
};

export const postQuantumKeyShareUpfront: Rule = {
  id: 'post-quantum-key-share-upfront',
  title: 'Post-quantum key share sent in every TLS handshake',
  severity: 'info',
  description:
    'Built with OpenSSL 3.5 or later, Postfix 3.11 defaults tls_eecdh_auto_curves to "?X25519MLKEM768:DEFAULT" on '
    + 'purpose. The hybrid post-quantum group X25519MLKEM768 comes first in the offer, so servers that support it can '
    + 'choose it, but the first ClientHello carries only a small X25519 key share; the hybrid key share, about 1.2 kB, '
    + 'is sent only after a server asks for it (a HelloRetryRequest). That keeps the first handshake message within one '
    + 'TCP segment, because some SMTP servers and middleboxes mishandle a ClientHello that spans two. A group list '
    + 'that names an ML-KEM group first without marking any key share with "*", or that marks an ML-KEM group with '
    + '"*", makes OpenSSL send that large key share to every server the SMTP client connects to. This rule checks the '
    + 'list the way Postfix 3.10 and later pass it to OpenSSL; 3.9 and older skip ML-KEM names (they look groups up '
    + 'by numeric id), so nothing is reported there. The checker cannot see the OpenSSL version: with OpenSSL before '
    + '3.5 the ML-KEM name is unknown, Postfix skips it and the line changes nothing. Info, not a warning: most servers '
    + 'cope with the larger message and the failures depend on network paths the files do not show; when a handshake '
    + 'does fail, opportunistic TLS is retried in plaintext and mandatory TLS is deferred.',
  example: {
    file: 'main',
    bad: 'tls_eecdh_auto_curves = X25519MLKEM768 X25519 prime256v1 secp384r1',
    good: '# Postfix 3.11: keep the default (?X25519MLKEM768:DEFAULT with OpenSSL 3.5), or list a classical group first\n'
      + 'tls_eecdh_auto_curves = X25519 X25519MLKEM768 prime256v1 secp384r1',
  },
  check: ({ config, version }) => {
    if (compareVersions(version, textGroupNamesSince) < 0) return [];
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    // main.cf reaches every client that has no -o of its own; -o reaches only its service.
    const scopes: (Service | undefined)[] = [undefined, ...config.services.filter((s) => (s.program === 'smtp' || s.program === 'lmtp' || s.program === 'tlsproxy')
      && s.entry.overrides.some((o) => writtenNames.includes(o.name)))];
    for (const service of scopes) {
      const items: GroupItem[] = [];
      const written = new Map<string, Assignment>();
      let known = true;
      for (const name of writtenNames) {
        const r = config.resolve(name, service);
        if (r.origin === 'override' || r.origin === 'main') {
          if (r.value === undefined || !r.assignment || r.value !== r.assignment.value) { known = false; break; }
          written.set(name, r.assignment);
          items.push(...groupItems(r.value, name));
        } else {
          // The default of a Postfix 3.11 built with OpenSSL 3.5 or later; earlier releases have classical lists.
          const value = compareVersions(version, pqDefaultSince) >= 0 ? (name === curves ? postfix311Openssl35Curves : '') : r.value;
          if (value === undefined) { known = false; break; }
          items.push(...groupItems(value, ''));
        }
      }
      if (!known || written.size === 0 || items.length === 0) continue;
      const result = keyShares(items);
      if (!result) continue;
      const pq = result.shares.filter(isMlkemGroup);
      for (const g of pq) {
        const item = result.origin.get(g);
        const a = item?.source ? written.get(item.source) : undefined;
        if (!a || item?.offset === undefined) continue;
        const key = `${a.file}:${a.line}:${a.column}:${g}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const marked = item.text.includes('*');
        const name = item.text.replace(/^[?*]+/, '');
        const where = service ? ` on ${service.label}` : '';
        const classicalGroup = result.groups.find((x) => !isMlkemGroup(x));
        const classical = classicalGroup ? ` (${(result.origin.get(classicalGroup)?.text ?? classicalGroup).replace(/^[?*]+/, '')})` : '';
        out.push(atValue(a,
          `With OpenSSL 3.5 or later, ${marked ? `"${item.text}" marks ${name} for a key share` : `${name} is listed first and no group is marked "*" for a key share`}, so every ClientHello the SMTP client sends${where} carries a key share for ${name} (${shareBytes[g] ?? 'several hundred'} bytes)${(shareBytes[g] ?? 0) >= 1184 ? ', and the first handshake message no longer fits in one TCP segment on a usual 1500-byte path' : ''}; some servers and middleboxes mishandle such large first messages. Postfix ${pqDefaultSince}'s own default offers the hybrid group as well but sends its key share only when a server asks for it. With OpenSSL before 3.5 the name is skipped and nothing changes.`,
          compareVersions(version, pqDefaultSince) >= 0
            ? `Delete the line to use Postfix's default (with OpenSSL 3.5: ${postfix311Openssl35Curves}), or list a classical group${classical} first and drop the "*".`
            : `List a classical group${classical} first and the ML-KEM group after it, without "*": a server that supports the hybrid can still ask for it. Postfix ${pqDefaultSince} does this by default.`,
          item.offset));
      }
    }
    return out;
  },
};
