/**
 * The configuration generator: from mail roles, a Postfix release, a compatibility_level, an OpenSSL version and a
 * certificate layout, the main.cf settings, master.cf services and postconf commands that set up TLS for those roles.
 *
 * Pure and browser-safe (no fs). Every value is compared with the release's default at the chosen
 * compatibility_level (effectiveDefault) and left out when it equals it; every TLS parameter written is checked
 * against the release (statusAt) so that nothing the release lacks is ever emitted.
 */
import { effectiveDefault, resolveVersion, statusAt, type Facts } from '../facts.ts';
import { parameterPath } from '../urls.ts';
import { compareVersions, lineOf } from '../versions.ts';

export const roles = ['mx', 'submission', 'submissions', 'relay', 'send-only', 'dane', 'mta-sts', 'dane-inbound'] as const;
export type Role = (typeof roles)[number];
export const opensslVersions = ['1.1.1', '3.0', '3.5'] as const;
export type OpenSslVersion = (typeof opensslVersions)[number];
export const certificateLayouts = ['letsencrypt', 'rsa-ecdsa', 'single'] as const;
export type CertificateLayout = (typeof certificateLayouts)[number];
export const profiles = ['compatible', 'strict'] as const;
export type Profile = (typeof profiles)[number];

/** The oldest line the generator writes for: smtpd_tls_chain_files, which every certificate layout uses, arrived in 3.4. */
export const oldestSupportedLine = '3.4';

export interface GenerateOptions {
  roles: readonly string[];
  /** "3.4" … "3.11" (a line: its newest patch release) or a patch release such as "3.10.4". */
  postfix: string;
  /** Default: what the stock main.cf of that release writes (see freshInstallCompatibilityLevel). */
  compatibilityLevel?: string;
  /** Default '3.0'. */
  openssl?: string;
  /** Default 'letsencrypt'. */
  certificates?: string;
  /** Default 'compatible'. */
  profile?: string;
  /** The smart host for 'relay': [host]:587 or [host]:465. Default [smtp.example.com]:587. */
  relayhost?: string;
  /** The host's public name (certificate paths, TLSA owner name). Default mail.example.com. */
  hostname?: string;
}

/** One setting, in main.cf or as a -o override of a master.cf service. */
export interface Setting {
  name: string;
  value: string;
  /** Why it is set, in a few words. */
  comment: string;
  /** Site path of the parameter's page, or Postfix's own documentation for a non-TLS parameter. */
  link: string;
}

export interface MasterService {
  /** service/type as postconf -M names it, e.g. "submission/inet". */
  key: string;
  /** The service line without overrides. */
  line: string;
  comment: string;
  overrides: Setting[];
}

export interface WhyNot {
  /** The setting or group of settings deliberately left alone. */
  topic: string;
  reason: string;
  link: string;
}

export interface GenerateResult {
  /** Patch release the output is for. */
  version: string;
  compatibilityLevel: string;
  /** 'fresh-install': the level the release's stock main.cf writes; 'given': from the options. */
  compatibilitySource: 'fresh-install' | 'given';
  roles: Role[];
  profile: Profile;
  openssl: OpenSslVersion;
  certificates: CertificateLayout;
  main: Setting[];
  master: MasterService[];
  /** main.cf text: each setting preceded by its comment. */
  mainCf: string;
  /** master.cf text: the services with their -o overrides. */
  masterCf: string;
  /** postconf -e / -M / -P commands doing the same, each preceded by a comment line. */
  postconf: string[];
  whyNot: WhyNot[];
  /** Things to do outside Postfix (DNS records, resolver, helper daemons, files). */
  notes: string[];
  /** Impossible combinations or bad options; when not empty, main and master are empty. */
  errors: string[];
}

/**
 * The compatibility_level a fresh installation of a release runs at: the value the stock conf/main.cf of the
 * upstream tarball writes. Postfix 3.4 and 3.5 write 2; from 3.6 the stock file names the release line itself
 * (3.6, 3.7, …, 3.11), read from the tarballs of each line's newest patch release. postconf -d prints 0 on all.
 */
export function freshInstallCompatibilityLevel(version: string): string {
  return compareVersions(lineOf(version), '3.6') < 0 ? '2' : lineOf(version);
}

/** Levels Postfix accepts on a release: 0, 1, 2, and from 3.6 any release level up to its own line. */
function compatibilityProblem(level: string, version: string): string | undefined {
  if (/^[012]$/.test(level)) return undefined;
  if (!/^3\.\d{1,2}$/.test(level)) return `"${level}" is not a compatibility_level (0, 1, 2 or 3.x)`;
  if (compareVersions(lineOf(version), '3.6') < 0) return `compatibility_level ${level}: Postfix ${version} knows only the levels 0, 1 and 2 (release-numbered levels arrived in 3.6)`;
  if (compareVersions(level, '3.6') < 0) return `compatibility_level ${level} is not a level: after 2 the levels are 3.6 and later release numbers`;
  if (compareVersions(level, lineOf(version)) > 0) return `compatibility_level ${level} is newer than Postfix ${version}; use ${lineOf(version)} or lower`;
  return undefined;
}

const postconfDoc = (name: string) => `https://www.postfix.org/postconf.5.html#${name}`;

/** Defaults of the few non-TLS parameters the generator writes (the data records TLS parameters only). */
const nonTlsDefaults: Record<string, string> = {
  inet_interfaces: 'all',
  mydestination: '$myhostname, localhost.$mydomain, localhost',
  default_transport: 'smtp',
  myhostname: '',
};

const norm = (v: string) => v.trim().replace(/\s*,\s*/g, ', ').replace(/\s+/g, ' ');

class Builder {
  readonly main: Setting[] = [];
  readonly whyNot: WhyNot[] = [];
  readonly notes: string[] = [];
  readonly facts: Facts;
  readonly version: string;
  readonly compat: string;
  constructor(facts: Facts, version: string, compat: string) {
    this.facts = facts;
    this.version = version;
    this.compat = compat;
  }

  /** The value Postfix uses for `name` when main.cf does not set it. */
  defaultOf(name: string): string | undefined {
    const p = this.facts.parameters.get(name);
    if (p) return effectiveDefault(p, this.version, this.compat);
    return nonTlsDefaults[name];
  }

  has(name: string): boolean {
    const p = this.facts.parameters.get(name);
    return p !== undefined && statusAt(p, this.version) === 'available';
  }

  link(name: string): string {
    return this.facts.parameters.has(name) ? parameterPath(name) : postconfDoc(name);
  }

  setting(name: string, value: string, comment: string): Setting {
    const p = this.facts.parameters.get(name);
    if (p && statusAt(p, this.version) !== 'available') {
      throw new Error(`generator bug: ${name} is ${statusAt(p, this.version)} on Postfix ${this.version}`);
    }
    return { name, value, comment, link: this.link(name) };
  }

  /** Adds a main.cf setting unless it equals the default in effect; returns whether it was added. */
  set(name: string, value: string, comment: string): boolean {
    const d = this.defaultOf(name);
    if (d !== undefined && norm(d) === norm(value)) return false;
    const existing = this.main.find((s) => s.name === name);
    if (existing) {
      if (norm(existing.value) !== norm(value)) throw new Error(`generator bug: ${name} set twice (${existing.value} / ${value})`);
      return true;
    }
    this.main.push(this.setting(name, value, comment));
    return true;
  }

  why(topic: string, reason: string, link = this.link(topic.split(/[ ,]/)[0]!)): void {
    this.whyNot.push({ topic, reason, link });
  }
}

/** "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1" before 3.6, ">=TLSv1.2" from 3.6 (the range syntax arrived then). */
function tls12Minimum(version: string): string {
  return compareVersions(version, '3.6') >= 0 ? '>=TLSv1.2' : '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1';
}

function certificatePaths(layout: CertificateLayout, host: string): string {
  switch (layout) {
    case 'letsencrypt':
      return `/etc/letsencrypt/live/${host}/privkey.pem, /etc/letsencrypt/live/${host}/fullchain.pem`;
    case 'rsa-ecdsa':
      return '/etc/postfix/tls/rsa.key.pem, /etc/postfix/tls/rsa.fullchain.pem, /etc/postfix/tls/ecdsa.key.pem, /etc/postfix/tls/ecdsa.fullchain.pem';
    case 'single':
      return `/etc/postfix/tls/${host}.pem`;
  }
}

const empty = (base: Omit<GenerateResult, 'main' | 'master' | 'mainCf' | 'masterCf' | 'postconf' | 'whyNot' | 'notes'>): GenerateResult => ({
  ...base, main: [], master: [], mainCf: '', masterCf: '', postconf: [], whyNot: [], notes: [],
});

export function generate(facts: Facts, options: GenerateOptions): GenerateResult {
  const errors: string[] = [];
  const profile = (options.profile ?? 'compatible') as Profile;
  const openssl = (options.openssl ?? '3.0') as OpenSslVersion;
  const certificates = (options.certificates ?? 'letsencrypt') as CertificateLayout;
  if (!profiles.includes(profile)) errors.push(`unknown profile "${options.profile}"; choose ${profiles.join(' or ')}`);
  if (!opensslVersions.includes(openssl)) errors.push(`unknown OpenSSL version "${options.openssl}"; choose ${opensslVersions.join(', ')}`);
  if (!certificateLayouts.includes(certificates)) errors.push(`unknown certificate layout "${options.certificates}"; choose ${certificateLayouts.join(', ')}`);
  const unknownRoles = options.roles.filter((r) => !(roles as readonly string[]).includes(r));
  for (const r of unknownRoles) errors.push(`unknown role "${r}"; the roles are ${roles.join(', ')}`);
  const chosen = roles.filter((r) => options.roles.includes(r));
  const has = (r: Role) => chosen.includes(r);
  if (options.roles.length === 0) errors.push('no roles: name at least one of ' + roles.join(', '));

  const version = resolveVersion(facts, options.postfix) ?? '';
  if (!version) errors.push(`unknown Postfix release "${options.postfix}"`);
  else if (compareVersions(lineOf(version), oldestSupportedLine) < 0) {
    errors.push(`Postfix ${version} is older than ${oldestSupportedLine}, the oldest release the generator writes for (smtpd_tls_chain_files arrived in 3.4)`);
  }
  const compatibilityLevel = options.compatibilityLevel ?? (version ? freshInstallCompatibilityLevel(version) : '');
  const compatibilitySource = options.compatibilityLevel === undefined ? 'fresh-install' : 'given';
  if (version && options.compatibilityLevel !== undefined) {
    const problem = compatibilityProblem(options.compatibilityLevel, version);
    if (problem) errors.push(problem);
  }

  // Combinations that cannot work.
  const host = options.hostname ?? 'mail.example.com';
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(host)) errors.push(`--hostname "${host}" is not a fully qualified host name`);
  if (has('send-only')) {
    for (const r of ['mx', 'submission', 'submissions', 'dane-inbound'] as const) {
      if (has(r)) errors.push(`send-only listens on the loopback interface only, so it cannot be combined with ${r}, which needs a public listener`);
    }
  }
  if (has('dane-inbound') && !has('mx')) errors.push('dane-inbound publishes TLSA records for the MX certificate on port 25; add the mx role');
  if (has('relay')) {
    for (const r of ['dane', 'mta-sts'] as const) {
      if (has(r)) errors.push(`relay sends every message to the smart host, so the ${r} policies of recipient domains never apply; choose relay or ${r}`);
    }
  }
  const relayhost = options.relayhost ?? '[smtp.example.com]:587';
  const relayPort = /^\[[A-Za-z0-9.-]+\]:(587|465)$/.exec(relayhost)?.[1];
  if (has('relay') && !relayPort) errors.push(`relayhost "${relayhost}" must look like [host]:587 (STARTTLS) or [host]:465 (implicit TLS)`);
  if (options.relayhost !== undefined && !has('relay')) errors.push('--relayhost is only used with the relay role');
  const stsPatterns = facts.parameters.get('smtp_tls_enforce_sts_mx_patterns');
  if (has('mta-sts') && profile === 'strict' && version && (!stsPatterns || statusAt(stsPatterns, version) === 'not-yet')) {
    errors.push(`the strict profile enforces MTA-STS MX patterns, which Postfix does only from 3.10.5 (smtp_tls_enforce_sts_mx_patterns); Postfix ${version} can only match the certificate against the patterns. Use 3.10.5 or later, or the compatible profile`);
  }

  const base = { version, compatibilityLevel, compatibilitySource, roles: chosen, profile, openssl, certificates, errors } as const;
  if (errors.length > 0) return empty({ ...base, errors });

  const b = new Builder(facts, version, compatibilityLevel);
  const server = has('mx') || has('submission') || has('submissions');
  const clientSubmission = has('submission') || has('submissions');
  const direct = !has('relay'); // mail leaves by MX lookup
  const strict = profile === 'strict';

  // compatibility_level: the level every default below was compared at.
  b.set('compatibility_level', compatibilityLevel, compatibilitySource === 'fresh-install'
    ? `what a fresh Postfix ${lineOf(version)} installation writes; the defaults left out below are those of this level`
    : 'the level the defaults left out below are those of');

  if (options.hostname !== undefined) b.set('myhostname', host, 'the name in HELO/EHLO and the certificate');

  // Server side.
  if (server) {
    b.set('smtpd_tls_chain_files', certificatePaths(certificates, host), {
      letsencrypt: 'the key and full chain certbot maintains; reload Postfix after each renewal (a deploy hook)',
      'rsa-ecdsa': 'an RSA and an ECDSA certificate: each key followed by its chain; clients get the one they support',
      single: 'one file: the private key, then the certificate, then its intermediates',
    }[certificates]);
    b.set('smtpd_tls_security_level', 'may', has('mx')
      ? 'offer STARTTLS on port 25 without requiring it (RFC 3207: a public MX must accept plaintext)'
      : 'offer STARTTLS; the submission services require TLS themselves');
    b.set('smtpd_tls_loglevel', '1', 'log a summary of each TLS handshake');
    if (clientSubmission) {
      b.set('smtpd_tls_mandatory_protocols', tls12Minimum(version), 'TLS 1.2 or newer where TLS is required (submission); mail clients all have it');
      if (strict) b.set('smtpd_tls_mandatory_ciphers', 'high', 'strict: only high-grade ciphers where TLS is required');
      b.set('smtpd_sasl_type', 'dovecot', 'authenticate mail clients through Dovecot (adjust for Cyrus)');
      b.set('smtpd_sasl_path', 'private/auth', "Dovecot's auth socket inside the Postfix queue directory");
    }
  }

  // Client side.
  if (has('send-only')) {
    b.set('inet_interfaces', 'loopback-only', 'send-only: accept mail from this host only');
    b.set('mydestination', '', 'send-only: no local delivery; mail for this host goes out like any other');
  }
  if (has('relay')) {
    b.set('relayhost', relayhost, 'every message leaves through the smart host');
    b.set('smtp_tls_CAfile', '/etc/ssl/certs/ca-certificates.crt', 'public CAs to verify the smart host (Debian path)');
    b.set('smtp_sasl_auth_enable', 'yes', 'log in to the smart host');
    b.set('smtp_sasl_password_maps', `hash:/etc/postfix/sasl_passwd`, `${relayhost} user:password, one line; postmap it`);
    b.set('smtp_sasl_security_options', 'noanonymous, noplaintext', 'no plaintext passwords before TLS');
    b.set('smtp_sasl_tls_security_options', 'noanonymous', 'PLAIN/LOGIN allowed once TLS is up');
    b.set('smtp_tls_security_level', strict ? 'secure' : 'encrypt', strict
      ? 'strict: TLS with a verified certificate of the smart host, or no delivery'
      : 'TLS required to the smart host: the password never travels in plaintext');
    b.set('smtp_tls_mandatory_protocols', tls12Minimum(version), 'TLS 1.2 or newer to the smart host, where TLS is required');
    if (strict) b.set('smtp_tls_mandatory_ciphers', 'high', 'strict: only high-grade ciphers to the smart host');
    if (relayPort === '465') b.set('default_transport', 'smtps-relay', 'deliver through the implicit-TLS transport defined in master.cf');
    b.notes.push(`Create /etc/postfix/sasl_passwd with "${relayhost} USER:PASSWORD", chmod 600 it and run postmap hash:/etc/postfix/sasl_passwd.`);
    if (options.relayhost === undefined) b.notes.push('relayhost is a placeholder: give your provider\'s [host]:port with --relayhost.');
  } else {
    let level = 'may';
    if (has('dane')) {
      level = 'dane';
      b.set('smtp_dns_support_level', 'dnssec', 'DANE needs DNSSEC-validated DNS answers');
    }
    b.set('smtp_tls_security_level', level, level === 'dane'
      ? 'verify with TLSA records where the destination publishes them; opportunistic TLS elsewhere'
      : 'opportunistic STARTTLS to other MX hosts');
    if (level === 'may' && b.defaultOf('smtp_tls_security_level') === 'may') {
      b.why('smtp_tls_security_level', `already "may" on Postfix ${version} at compatibility_level ${compatibilityLevel}; repeating the default adds nothing`);
    }
    if (has('mta-sts')) {
      b.set('smtp_tls_CAfile', '/etc/ssl/certs/ca-certificates.crt', 'public CAs: MTA-STS verifies MX certificates against them (Debian path)');
      b.set('smtp_tls_policy_maps', 'socketmap:inet:127.0.0.1:8461:postfix', 'MTA-STS policies from postfix-mta-sts-resolver');
      b.notes.push('Install and start postfix-mta-sts-resolver listening on 127.0.0.1:8461 before reloading Postfix.');
      if (b.has('smtp_tls_enforce_sts_mx_patterns')) {
        b.why('smtp_tls_enforce_sts_mx_patterns', `already "yes" by default on Postfix ${version}: MX hosts matching no policy pattern are skipped. Turn on the resolver's tlsrpt option so it passes the patterns on`);
      } else {
        b.why('smtp_tls_enforce_sts_mx_patterns', `Postfix ${version} does not have it (3.10.5 and later): the certificate is matched against the policy's MX patterns, but any MX from DNS is tried`);
      }
      if (has('dane')) b.notes.push('DANE and MTA-STS together: the policy socketmap\'s answer replaces the dane level for domains with an MTA-STS policy.');
    }
  }
  b.set('smtp_tls_loglevel', '1', 'log a summary of each outgoing TLS session');
  if (has('dane')) {
    b.notes.push('DANE needs a local DNSSEC-validating resolver (e.g. unbound on 127.0.0.1) in /etc/resolv.conf; without it Postfix falls back to opportunistic TLS.');
  }

  if (has('dane-inbound')) {
    const spki = certificates === 'rsa-ecdsa' ? '/etc/postfix/tls/rsa.fullchain.pem (and again for ecdsa.fullchain.pem)'
      : certificates === 'single' ? `/etc/postfix/tls/${host}.pem` : `/etc/letsencrypt/live/${host}/fullchain.pem`;
    b.notes.push(`Inbound DANE: publish "_25._tcp.${host}. IN TLSA 3 1 1 <sha256 of the public key>" in a DNSSEC-signed zone; the digest is printed by: openssl x509 -in ${spki} -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256`);
    if (certificates === 'letsencrypt') b.notes.push('With Let\'s Encrypt, renew with --reuse-key (or publish the next key\'s TLSA record before rolling over): a new key breaks the 3 1 1 record.');
  }

  // master.cf
  const master: MasterService[] = [];
  // A -o value ends at white space: lists are written with bare commas.
  const o = (name: string, value: string, comment: string) => b.setting(name, value.replace(/\s*,\s*/g, ','), comment);
  // Both submission ports take mail only from clients that logged in.
  const clientRestrictions = () => [
    o('smtpd_client_restrictions', 'permit_sasl_authenticated,reject', 'only logged-in clients'),
    o('smtpd_relay_restrictions', 'permit_sasl_authenticated,reject', 'logged-in clients may relay'),
  ];
  if (has('submission')) {
    master.push({
      key: 'submission/inet', line: 'submission inet n       -       n       -       -       smtpd', comment: 'port 587: mail clients, STARTTLS required, then login',
      overrides: [
        o('syslog_name', 'postfix/submission', 'log lines say which port'),
        o('smtpd_tls_security_level', 'encrypt', 'no login and no mail before STARTTLS'),
        o('smtpd_sasl_auth_enable', 'yes', 'clients log in'),
        o('smtpd_tls_auth_only', 'yes', 'offer AUTH only after STARTTLS'),
        ...clientRestrictions(),
      ],
    });
  }
  if (has('submissions')) {
    master.push({
      key: 'submissions/inet', line: 'submissions inet n       -       n       -       -       smtpd', comment: 'port 465: mail clients, TLS from the first byte, then login',
      overrides: [
        o('syslog_name', 'postfix/submissions', 'log lines say which port'),
        o('smtpd_tls_wrappermode', 'yes', 'implicit TLS (RFC 8314)'),
        o('smtpd_sasl_auth_enable', 'yes', 'clients log in'),
        ...clientRestrictions(),
      ],
    });
  }
  if (has('relay') && relayPort === '465') {
    master.push({
      key: 'smtps-relay/unix', line: 'smtps-relay unix -       -       n       -       -       smtp', comment: 'delivery to the smart host on port 465: TLS from the first byte',
      overrides: [
        o('syslog_name', 'postfix/smtps-relay', 'log lines say which transport'),
        o('smtp_tls_wrappermode', 'yes', 'implicit TLS: port 465 does not speak STARTTLS'),
      ],
    });
  }

  // What is deliberately left alone.
  if (has('mx')) {
    b.why('smtpd_tls_protocols, smtpd_tls_ciphers', 'Port 25 stays at the defaults: a sender that cannot meet a stricter minimum does not give up, it delivers in plaintext. Raising the floor only makes some mail less protected.');
    if (!clientSubmission) b.why('smtpd_tls_mandatory_protocols, smtpd_tls_mandatory_ciphers', 'Nothing on this server requires TLS from clients (port 25 is opportunistic), so the mandatory settings would never be read.');
  }
  if (direct) {
    b.why('smtp_tls_protocols, smtp_tls_ciphers', 'Opportunistic outgoing TLS stays at the defaults: an MX that cannot meet a stricter minimum gets the mail in plaintext instead.');
    b.why('smtp_tls_mandatory_protocols, smtp_tls_mandatory_ciphers', has('dane') || has('mta-sts')
      ? 'Left at the defaults: they apply only to destinations whose DANE or MTA-STS policy requires TLS, and those peers are checked by certificate already.'
      : 'Nothing outgoing requires TLS, so the mandatory settings would never be read.');
  }
  b.why('tls_medium_cipherlist, tls_high_cipherlist', 'Never rewrite the cipher lists themselves: each grade is an OpenSSL cipher expression that every service using the grade shares, port 25 included, and OpenSSL decides what it contains as it evolves. A hand-written list freezes today\'s choice everywhere; choose a grade per setting (e.g. smtpd_tls_mandatory_ciphers = high) instead.');
  b.why('tls_eecdh_auto_curves', openssl === '3.5'
    ? 'Left at the default. A post-quantum hybrid group (X25519MLKEM768) first in this list, with no "*", makes OpenSSL 3.5 send its key share, about 1.2 kB, in every first handshake, and peers without it then need an extra round trip. Postfix 3.11\'s own default marks it with "?" and lets OpenSSL choose the first key shares, so the hybrid is used where the peer has it. Postfix before 3.10 skips such names in this list.'
    : 'Left at the default; post-quantum hybrid groups need OpenSSL 3.5 or later, and older libraries skip their names.');
  if (b.has('tls_ffdhe_auto_groups')) b.why('tls_ffdhe_auto_groups', `Left at the default (${b.defaultOf('tls_ffdhe_auto_groups')}): finite-field groups matter only for peers without elliptic curves.`);
  else b.why('tls_ffdhe_auto_groups', `Postfix ${version} does not have it (3.8 and later); nothing replaces it.`, parameterPath('tls_ffdhe_auto_groups'));
  if (compareVersions(compatibilityLevel, '3.6') < 0 && /^[012]$/.test(compatibilityLevel)) {
    b.why('smtp_tls_fingerprint_digest, smtpd_tls_fingerprint_digest', `At compatibility_level ${compatibilityLevel} fingerprints default to md5 (sha256 from level 3.6); this configuration uses no fingerprints, so they are not set.`);
  }
  if (options.hostname === undefined && (server || has('dane-inbound'))) b.notes.push('mail.example.com is a placeholder: give the name in your certificate and MX record with --hostname.');
  if (openssl === '1.1.1') b.notes.push('OpenSSL 1.1.1 is past its end of life upstream; prefer a distribution that ships OpenSSL 3.');

  const mainCf = b.main.map((s) => `# ${s.comment}\n${s.value === '' ? `${s.name} =` : `${s.name} = ${s.value}`}\n`).join('');
  const masterCf = master.map((m) => `# ${m.comment}\n${m.line}\n${m.overrides.map((x) => `  -o ${x.name}=${x.value}\n`).join('')}`).join('');
  const postconf: string[] = [];
  for (const s of b.main) postconf.push(`# ${s.comment} — ${s.link}`, `postconf -e ${shellQuote(`${s.name} = ${s.value}`)}`);
  for (const m of master) {
    postconf.push(`# ${m.comment}`, `postconf -M ${shellQuote(`${m.key}=${m.line.replace(/\s+/g, ' ')}`)}`);
    for (const x of m.overrides) postconf.push(`# ${x.comment} — ${x.link}`, `postconf -P ${shellQuote(`${m.key}/${x.name}=${x.value}`)}`);
  }
  return { ...base, main: b.main, master, mainCf, masterCf, postconf, whyNot: b.whyNot, notes: b.notes, errors: [] };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
