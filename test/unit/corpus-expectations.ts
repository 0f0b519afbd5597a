import type { FileKind, Severity } from '../../src/lib/engine-types.ts';

/**
 * Reviewed expectations for ../shared/corpus (real configurations from public projects). Every file is
 * classified by hand; each pin is a finding an admin reading that file should get, with the reason it is
 * right. `mustNot` lists findings that would be wrong. Error-severity findings must all be pinned here,
 * so a new false error cannot slip in unnoticed.
 */

/** Relative to the repository root. */
export const corpusDir = '../shared/corpus';

export interface CorpusFile { path: string; kind: FileKind }

/** Files of one project are checked together, as they would be deployed. */
export const corpusProjects: Record<string, CorpusFile[]> = {
  'LukeSmithxyz__emailwiz': [
    { path: 'emailwiz.sh.DERIVED-tls-main.cf', kind: 'main' },
    { path: 'emailwiz.sh.DERIVED-master.cf', kind: 'master' },
  ],
  'Mailu__Mailu': [
    { path: 'core__postfix__conf__main.cf', kind: 'main' },
    { path: 'core__postfix__conf__master.cf', kind: 'master' },
  ],
  'Oefenweb__ansible-postfix': [{ path: 'templates__etc__postfix__main.cf.j2', kind: 'main' }],
  'YunoHost__yunohost': [
    { path: 'conf__postfix__main.cf', kind: 'main' },
    { path: 'conf__postfix__plain__master.cf', kind: 'master' },
  ],
  'apache__puppet-postfix': [
    { path: 'templates__main.cf.erb', kind: 'main' },
    { path: 'templates__master.cf.erb', kind: 'master' },
  ],
  'bodsch__ansible-postfix': [{ path: 'templates__etc__postfix__main.cf.d__tls.j2', kind: 'main' }],
  'bokysan__docker-postfix': [{ path: 'examples__docker__mail-station__postfix__smtp_tls_policy', kind: 'policy' }],
  'csware__postfix-tls-policy': [
    { path: 'tls_policy', kind: 'policy' },
    { path: 'tls_policy-dane', kind: 'policy' },
  ],
  'docker-mailserver__docker-mailserver': [
    { path: 'target__postfix__main.cf', kind: 'main' },
    { path: 'target__postfix__master.cf', kind: 'master' },
    { path: 'target__amavis__postfix-amavis.cf', kind: 'master' },
  ],
  'hardware__mailserver': [
    { path: 'rootfs__etc__postfix__main.cf', kind: 'main' },
    { path: 'rootfs__etc__postfix__master.cf', kind: 'master' },
  ],
  'iredmail__iRedMail': [
    { path: 'samples__postfix__main.cf', kind: 'main' },
    { path: 'samples__postfix__master.cf', kind: 'master' },
  ],
  'jeboehm__docker-mailserver': [{ path: 'target__mta__rootfs__etc__postfix__master.cf', kind: 'master' }],
  'mail-in-a-box__mailinabox': [
    { path: 'setup__mail-postfix.sh.DERIVED-tls-main.cf', kind: 'main' },
    { path: 'setup__mail-postfix.sh.DERIVED-master.cf', kind: 'master' },
  ],
  'mailcow__mailcow-dockerized': [
    { path: 'data__conf__postfix__main.cf', kind: 'main' },
    { path: 'data__conf__postfix__master.cf', kind: 'master' },
  ],
  'modoboa__modoboa-installer': [
    { path: 'modoboa_installer__scripts__files__postfix__main.cf.tpl', kind: 'main' },
    { path: 'modoboa_installer__scripts__files__postfix__master.cf.tpl', kind: 'master' },
  ],
  'saltstack-formulas__postfix-formula': [{ path: 'postfix__files__main.cf', kind: 'main' }],
  'sovereign__sovereign': [
    { path: 'roles__mailserver__templates__etc_postfix_main.cf.j2', kind: 'main' },
    { path: 'roles__mailserver__files__etc_postfix_master.cf', kind: 'master' },
  ],
  'theappleman__mail': [{ path: 'lib__templates__main.cf.tpl', kind: 'main' }],
  'voxpupuli__puppet-postfix': [{ path: 'templates__master.cf.debian.erb', kind: 'master' }],
};

export interface Pin {
  /** "<project>/<file>" */
  file: string;
  line: number;
  rule: string;
  severity: Severity;
  parameter?: string | null;
  why: string;
}

const legacySwitch = 'legacy on/off switch, deprecated since 3.9 in favour of the security level';
const dh1024 = 'smtpd_tls_dh1024_param_file is deprecated since 3.9; Postfix picks DH groups itself';

export const pins: Pin[] = [
  // Deprecated legacy switches.
  { file: 'YunoHost__yunohost/conf__postfix__main.cf', line: 22, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_use_tls', why: `${legacySwitch}; the level on line 24 makes it dead` },
  { file: 'sovereign__sovereign/roles__mailserver__templates__etc_postfix_main.cf.j2', line: 45, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_use_tls', why: `${legacySwitch}; no level is set, so the fix is smtpd_tls_security_level = may` },
  { file: 'modoboa__modoboa-installer/modoboa_installer__scripts__files__postfix__main.cf.tpl', line: 39, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_use_tls', why: legacySwitch },
  { file: 'Oefenweb__ansible-postfix/templates__etc__postfix__main.cf.j2', line: 28, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_use_tls', why: `${legacySwitch}; the level on line 30 is conditional, so it is not called dead` },
  { file: 'Oefenweb__ansible-postfix/templates__etc__postfix__main.cf.j2', line: 118, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtp_use_tls', why: `${legacySwitch}; line 119 in the same branch sets the level` },
  { file: 'apache__puppet-postfix/templates__main.cf.erb', line: 743, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_use_tls', why: legacySwitch },
  { file: 'apache__puppet-postfix/templates__main.cf.erb', line: 791, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtp_use_tls', why: legacySwitch },
  { file: 'theappleman__mail/lib__templates__main.cf.tpl', line: 4, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_use_tls', why: legacySwitch },
  { file: 'saltstack-formulas__postfix-formula/postfix__files__main.cf', line: 72, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_use_tls', why: `${legacySwitch}; emitted through the set_parameter() macro` },
  { file: 'LukeSmithxyz__emailwiz/emailwiz.sh.DERIVED-master.cf', line: 9, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_enforce_tls', why: `${legacySwitch}; line 7 already sets encrypt` },
  // DH and ECDH knobs.
  { file: 'YunoHost__yunohost/conf__postfix__main.cf', line: 42, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_tls_dh1024_param_file', why: dh1024 },
  { file: 'mail-in-a-box__mailinabox/setup__mail-postfix.sh.DERIVED-tls-main.cf', line: 14, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_tls_dh1024_param_file', why: dh1024 },
  { file: 'modoboa__modoboa-installer/modoboa_installer__scripts__files__postfix__main.cf.tpl', line: 44, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_tls_dh1024_param_file', why: dh1024 },
  { file: 'sovereign__sovereign/roles__mailserver__templates__etc_postfix_main.cf.j2', line: 54, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_tls_dh1024_param_file', why: dh1024 },
  { file: 'hardware__mailserver/rootfs__etc__postfix__main.cf', line: 79, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_tls_dh1024_param_file', why: dh1024 },
  { file: 'iredmail__iRedMail/samples__postfix__main.cf', line: 119, rule: 'deprecated-parameter', severity: 'warning', parameter: 'smtpd_tls_dh1024_param_file', why: `${dh1024} (the value is a PH_ placeholder; the name is what matters)` },
  { file: 'iredmail__iRedMail/samples__postfix__main.cf', line: 118, rule: 'ignored-parameter', severity: 'error', parameter: 'smtpd_tls_dh512_param_file', why: 'ignored since 3.6: the Logjam "fix" does nothing' },
  { file: 'modoboa__modoboa-installer/modoboa_installer__scripts__files__postfix__main.cf.tpl', line: 60, rule: 'ignored-parameter', severity: 'error', parameter: 'smtpd_tls_eecdh_grade', why: 'ignored since 3.6 (curves come from tls_eecdh_auto_curves)' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 36, rule: 'ignored-parameter', severity: 'error', parameter: 'tls_eecdh_strong_curve', why: 'ignored since 3.6' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 40, rule: 'ignored-parameter', severity: 'error', parameter: 'tls_eecdh_ultra_curve', why: 'ignored since 3.6' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 45, rule: 'ignored-parameter', severity: 'error', parameter: 'tls_export_cipherlist', why: 'ignored since 3.8 (export grade means medium)' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 47, rule: 'ignored-parameter', severity: 'error', parameter: 'tls_export_cipherlist', why: 'the else branch of the same setting' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 64, rule: 'removed-parameter', severity: 'error', parameter: 'tls_legacy_public_key_fingerprints', why: 'no effect since 3.9, name dropped in 3.11 (HISTORY 20260131)' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 69, rule: 'ignored-parameter', severity: 'error', parameter: 'tls_low_cipherlist', why: 'ignored since 3.8 (low grade means medium)' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 71, rule: 'ignored-parameter', severity: 'error', parameter: 'tls_low_cipherlist', why: 'the else branch of the same setting' },
  // Weak protocol floors.
  { file: 'sovereign__sovereign/roles__mailserver__templates__etc_postfix_main.cf.j2', line: 39, rule: 'mandatory-protocols-allow-legacy', severity: 'warning', parameter: 'smtpd_tls_mandatory_protocols', why: 'submission requires TLS but still accepts TLSv1/TLSv1.1' },
  { file: 'sovereign__sovereign/roles__mailserver__templates__etc_postfix_main.cf.j2', line: 40, rule: 'mandatory-setting-unused', severity: 'warning', parameter: 'smtp_tls_mandatory_protocols', why: 'the client runs at may with no policy table, so the mandatory list is never read' },
  { file: 'sovereign__sovereign/roles__mailserver__templates__etc_postfix_main.cf.j2', line: 41, rule: 'protocols-allow-legacy', severity: 'info', parameter: 'smtp_tls_protocols', why: 'opportunistic, so only an info: it repeats the default' },
  { file: 'sovereign__sovereign/roles__mailserver__templates__etc_postfix_main.cf.j2', line: 42, rule: 'protocols-allow-legacy', severity: 'info', parameter: 'smtpd_tls_protocols', why: 'opportunistic port 25' },
  { file: 'Mailu__Mailu/core__postfix__conf__main.cf', line: 58, rule: 'mandatory-protocols-allow-legacy', severity: 'warning', parameter: 'smtp_tls_mandatory_protocols', why: 'outbound dane/policy-table deliveries require TLS yet allow TLSv1/TLSv1.1' },
  { file: 'Mailu__Mailu/core__postfix__conf__main.cf', line: 59, rule: 'protocols-allow-legacy', severity: 'info', parameter: 'smtp_tls_protocols', why: 'opportunistic outbound' },
  { file: 'mail-in-a-box__mailinabox/setup__mail-postfix.sh.DERIVED-tls-main.cf', line: 15, rule: 'protocols-allow-legacy', severity: 'info', parameter: 'smtpd_tls_protocols', why: 'deliberate Mozilla "old" profile on port 25: info only' },
  { file: 'mail-in-a-box__mailinabox/setup__mail-postfix.sh.DERIVED-tls-main.cf', line: 29, rule: 'protocols-allow-legacy', severity: 'info', parameter: 'smtp_tls_protocols', why: 'opportunistic outbound' },
  { file: 'hardware__mailserver/rootfs__etc__postfix__main.cf', line: 62, rule: 'protocols-allow-legacy', severity: 'info', parameter: 'smtp_tls_protocols', why: 'TLSv1.1 still allowed (opportunistic)' },
  { file: 'hardware__mailserver/rootfs__etc__postfix__main.cf', line: 63, rule: 'mandatory-protocols-allow-legacy', severity: 'warning', parameter: 'smtp_tls_mandatory_protocols', why: 'dane deliveries with TLSA records use the mandatory list, which allows TLSv1.1' },
  { file: 'hardware__mailserver/rootfs__etc__postfix__main.cf', line: 72, rule: 'protocols-allow-legacy', severity: 'info', parameter: 'smtpd_tls_protocols', why: 'TLSv1.1 still allowed (opportunistic)' },
  { file: 'hardware__mailserver/rootfs__etc__postfix__main.cf', line: 73, rule: 'mandatory-protocols-allow-legacy', severity: 'warning', parameter: 'smtpd_tls_mandatory_protocols', why: 'submission and smtps require TLS yet allow TLSv1.1' },
  { file: 'saltstack-formulas__postfix-formula/postfix__files__main.cf', line: 81, rule: 'mandatory-protocols-allow-legacy', severity: 'warning', parameter: 'smtpd_tls_mandatory_protocols', why: "the formula's default for the mandatory list is !SSLv2, !SSLv3" },
  // TLS 1.3 only on port 25.
  { file: 'YunoHost__yunohost/conf__postfix__main.cf', line: 50, rule: 'opportunistic-tls-too-strict', severity: 'warning', parameter: 'smtpd_tls_protocols', why: 'the "modern" branch leaves only TLSv1.3 on the public port 25; TLSv1.2-only senders fall back to plaintext' },
  // Settings without effect.
  { file: 'docker-mailserver__docker-mailserver/target__amavis__postfix-amavis.cf', line: 35, rule: 'parameter-wrong-service', severity: 'warning', parameter: 'smtp_tls_security_level', why: 'an smtp_ setting on the smtpd re-injection listener does nothing' },
  { file: 'iredmail__iRedMail/samples__postfix__master.cf', line: 45, rule: 'parameter-wrong-service', severity: 'warning', parameter: 'smtp_tls_security_level', why: 'same, on the amavis re-injection listener (smtpd_tls_security_level on the next line is the one that counts)' },
  { file: 'iredmail__iRedMail/samples__postfix__master.cf', line: 72, rule: 'parameter-wrong-service', severity: 'warning', parameter: 'smtp_tls_security_level', why: 'same, on the mlmmj re-injection listener' },
  { file: 'hardware__mailserver/rootfs__etc__postfix__master.cf', line: 16, rule: 'opportunistic-setting-unused', severity: 'warning', parameter: 'smtpd_tls_ciphers', why: 'submission is at encrypt, so smtpd_tls_mandatory_ciphers (medium from main.cf:74) applies' },
  { file: 'hardware__mailserver/rootfs__etc__postfix__master.cf', line: 23, rule: 'opportunistic-setting-unused', severity: 'warning', parameter: 'smtpd_tls_ciphers', why: 'smtps is in wrapper mode, so the mandatory grade applies' },
  { file: 'LukeSmithxyz__emailwiz/emailwiz.sh.DERIVED-tls-main.cf', line: 11, rule: 'mandatory-setting-unused', severity: 'warning', parameter: 'smtp_tls_mandatory_protocols', why: 'client at may, no policy table' },
  { file: 'iredmail__iRedMail/samples__postfix__main.cf', line: 110, rule: 'mandatory-setting-unused', severity: 'warning', parameter: 'smtp_tls_mandatory_protocols', why: 'client at may, no policy table' },
  { file: 'iredmail__iRedMail/samples__postfix__main.cf', line: 113, rule: 'mandatory-setting-unused', severity: 'warning', parameter: 'lmtp_tls_mandatory_protocols', why: 'LMTP to Dovecot runs without TLS' },
  { file: 'mailcow__mailcow-dockerized/data__conf__postfix__main.cf', line: 116, rule: 'mandatory-setting-unused', severity: 'warning', parameter: 'lmtp_tls_mandatory_protocols', why: 'LMTP to Dovecot runs without TLS' },
  { file: 'mailcow__mailcow-dockerized/data__conf__postfix__main.cf', line: 117, rule: 'mandatory-setting-unused', severity: 'warning', parameter: 'smtpd_tls_mandatory_protocols', why: 'every service that requires TLS overrides it with -o ...=$submission_/smtps_smtpd_tls_mandatory_protocols' },
  { file: 'mailcow__mailcow-dockerized/data__conf__postfix__main.cf', line: 14, rule: 'duplicate-parameter', severity: 'warning', parameter: 'smtpd_forbid_bare_newline', why: 'set again on line 88' },
  // Certificates.
  { file: 'docker-mailserver__docker-mailserver/target__postfix__main.cf', line: 33, rule: 'snakeoil-certificate', severity: 'warning', parameter: 'smtpd_tls_chain_files', why: 'the snakeoil default is served on submission and submissions, where mail clients verify it' },
  // Fingerprints that need the sha256 digest.
  { file: 'csware__postfix-tls-policy/tls_policy', line: 120, rule: 'fingerprint-digest-mismatch', severity: 'error', parameter: null, why: 'SHA-256 fingerprint, but md5 is the digest below compatibility_level 3.6' },
  { file: 'csware__postfix-tls-policy/tls_policy', line: 603, rule: 'fingerprint-digest-mismatch', severity: 'error', parameter: null, why: 'same' },
  { file: 'csware__postfix-tls-policy/tls_policy', line: 612, rule: 'fingerprint-digest-mismatch', severity: 'error', parameter: null, why: 'same' },
  { file: 'csware__postfix-tls-policy/tls_policy-dane', line: 554, rule: 'fingerprint-digest-mismatch', severity: 'error', parameter: null, why: 'same, in the DANE variant of the table' },
];

export interface MustNot {
  file: string;
  line?: number;
  rule?: string;
  why: string;
}

export const mustNot: MustNot[] = [
  { file: 'docker-mailserver__docker-mailserver/target__amavis__postfix-amavis.cf', line: 12, why: 'smtp_tls_security_level=none on the content-filter transport is correct: mail goes to amavis on localhost' },
  { file: 'mailcow__mailcow-dockerized/data__conf__postfix__main.cf', line: 167, why: 'submission_smtpd_tls_mandatory_protocols is a custom parameter that master.cf references' },
  { file: 'mailcow__mailcow-dockerized/data__conf__postfix__main.cf', line: 168, why: 'smtps_smtpd_tls_mandatory_protocols is a custom parameter that master.cf references' },
  { file: 'Mailu__Mailu/core__postfix__conf__main.cf', line: 24, why: 'podop is a custom parameter used as ${podop} in lookup tables' },
  { file: 'iredmail__iRedMail/samples__postfix__main.cf', line: 123, why: 'the em dash is inside a comment' },
  { file: 'YunoHost__yunohost/conf__postfix__main.cf', line: 36, why: 'the "intermediate" branch is a sound mandatory list' },
  { file: 'YunoHost__yunohost/conf__postfix__main.cf', line: 49, why: 'TLSv1.3-only is acceptable where TLS is mandatory (submission)' },
  { file: 'YunoHost__yunohost/conf__postfix__main.cf', line: 62, why: 'encrypt only in the relay-on-465 branch, where a relayhost is set' },
  { file: 'bodsch__ansible-postfix/templates__etc__postfix__main.cf.d__tls.j2', line: 147, why: 'inside a {# #} comment block' },
  { file: 'voxpupuli__puppet-postfix/templates__master.cf.debian.erb', line: 26, why: 'commented out' },
  { rule: 'unknown-parameter', file: '*', why: 'every TLS name in the corpus is a real parameter or a referenced custom one' },
  { rule: 'tls-required-on-mx', file: '*', why: 'no corpus file requires TLS on port 25' },
  { rule: 'main-cf-syntax', file: '*', why: 'the templates are read without inventing syntax errors' },
  { rule: 'master-cf-syntax', file: '*', why: 'the templates are read without inventing syntax errors' },
];
