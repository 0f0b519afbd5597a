import { certificateWithoutKey } from './certificate-without-key.ts';
import { clientTlsRequiredGlobally } from './client-tls-required-globally.ts';
import { daneWithoutDnssec } from './dane-without-dnssec.ts';
import { deprecatedParameter } from './deprecated-parameter.ts';
import { duplicateParameter } from './duplicate-parameter.ts';
import { duplicateService } from './duplicate-service.ts';
import { fingerprintDigestMismatch } from './fingerprint-digest-mismatch.ts';
import { fingerprintWithoutMatch } from './fingerprint-without-match.ts';
import { ignoredParameter } from './ignored-parameter.ts';
import { ignoredLine } from './ignored-line.ts';
import { invalidValue } from './invalid-value.ts';
import { keyWithoutCertificate } from './key-without-certificate.ts';
import { lookalikeCharacter } from './lookalike-character.ts';
import { mainCfSyntax } from './main-cf-syntax.ts';
import { mandatoryProtocolsAllowLegacy } from './mandatory-protocols-allow-legacy.ts';
import { mandatorySettingUnused } from './mandatory-setting-unused.ts';
import { masterCfSyntax } from './master-cf-syntax.ts';
import { md5Fingerprint } from './md5-fingerprint.ts';
import { opportunisticSettingUnused } from './opportunistic-setting-unused.ts';
import { opportunisticTlsTooStrict } from './opportunistic-tls-too-strict.ts';
import { opportunisticTlsFloorRaised } from './opportunistic-tls-floor-raised.ts';
import { cipherlistRedefined } from './cipherlist-redefined.ts';
import { postQuantumKeyShareUpfront } from './post-quantum-key-share-upfront.ts';
import { parameterNotAvailable } from './parameter-not-available.ts';
import { parameterWrongService } from './parameter-wrong-service.ts';
import { policyDuplicateDestination } from './policy-duplicate-destination.ts';
import { policyInvalidAttribute } from './policy-invalid-attribute.ts';
import { policyInvalidLevel } from './policy-invalid-level.ts';
import { policyTableSyntax } from './policy-table-syntax.ts';
import { protocolRangeSyntax } from './protocol-range-syntax.ts';
import { protocolsAllowLegacy } from './protocols-allow-legacy.ts';
import { protocolsAllowSsl } from './protocols-allow-ssl.ts';
import { protocolsExcludeTls13 } from './protocols-exclude-tls13.ts';
import { protocolsLegacyOnly } from './protocols-legacy-only.ts';
import { removedParameter } from './removed-parameter.ts';
import { serverTlsWithoutCertificate } from './server-tls-without-certificate.ts';
import { snakeoilCertificate } from './snakeoil-certificate.ts';
import { submissionTlsOptional } from './submission-tls-optional.ts';
import { templatePlaceholder } from './template-placeholder.ts';
import { tlsRequiredOnMx } from './tls-required-on-mx.ts';
import { tlsRequiredWithoutCertificate } from './tls-required-without-certificate.ts';
import { unknownParameter } from './unknown-parameter.ts';
import { unusedParameter } from './unused-parameter.ts';
import { weakCipherGrade } from './weak-cipher-grade.ts';
import { wrappermodePortMismatch } from './wrappermode-port-mismatch.ts';
import { legacySwitchConflict, legacyTlsSwitch } from './legacy-tls-switch.ts';
import { mandatoryProtocolsWeaker } from './mandatory-protocols-weaker.ts';
import { noUsableProtocol } from './no-usable-protocol.ts';
import { outboundTlsDisabled } from './outbound-tls-disabled.ts';
import { policyKeyNeverMatches } from './policy-key-never-matches.ts';
import { saslAuthWithoutTls } from './sasl-auth-without-tls.ts';
import { unknownCipherName } from './unknown-cipher-name.ts';
import type { Rule } from './types.ts';

export type { Rule, RuleContext } from './types.ts';

/** Every rule, in the order the site lists them: syntax first, then parameters, protocols, services, certificates, policy tables. */
export const rules: readonly Rule[] = [
  mainCfSyntax,
  masterCfSyntax,
  policyTableSyntax,
  ignoredLine,
  lookalikeCharacter,
  templatePlaceholder,
  duplicateService,
  unknownParameter,
  unusedParameter,
  parameterNotAvailable,
  deprecatedParameter,
  legacyTlsSwitch,
  legacySwitchConflict,
  ignoredParameter,
  removedParameter,
  duplicateParameter,
  invalidValue,
  protocolRangeSyntax,
  protocolsAllowSsl,
  protocolsLegacyOnly,
  noUsableProtocol,
  mandatoryProtocolsAllowLegacy,
  protocolsAllowLegacy,
  protocolsExcludeTls13,
  mandatoryProtocolsWeaker,
  opportunisticTlsTooStrict,
  opportunisticTlsFloorRaised,
  weakCipherGrade,
  unknownCipherName,
  cipherlistRedefined,
  postQuantumKeyShareUpfront,
  mandatorySettingUnused,
  opportunisticSettingUnused,
  parameterWrongService,
  tlsRequiredOnMx,
  wrappermodePortMismatch,
  submissionTlsOptional,
  saslAuthWithoutTls,
  clientTlsRequiredGlobally,
  outboundTlsDisabled,
  daneWithoutDnssec,
  fingerprintWithoutMatch,
  fingerprintDigestMismatch,
  md5Fingerprint,
  serverTlsWithoutCertificate,
  tlsRequiredWithoutCertificate,
  keyWithoutCertificate,
  certificateWithoutKey,
  snakeoilCertificate,
  policyInvalidLevel,
  policyInvalidAttribute,
  policyDuplicateDestination,
  policyKeyNeverMatches,
];

export const ruleById: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));
