import { z } from 'zod';

/** A Postfix feature release line, major.minor ("3.7"). */
export const releaseVersion = z.string().regex(/^[23]\.\d{1,2}$/, 'must look like "3.7" (major.minor)');

/** A patch release, major.minor.patch ("3.7.16"). */
export const patchVersion = z.string().regex(/^[23]\.\d{1,2}\.\d{1,2}$/, 'must look like "3.7.16" (major.minor.patch)');

/**
 * A point in Postfix's release history: a feature release ("3.7", meaning 3.7.0) or a patch release
 * ("3.7.16") where upstream changed something in a patch release.
 */
export const postfixVersion = z.string().regex(/^[23]\.\d{1,2}(\.\d{1,2})?$/, 'must look like "3.7" or "3.7.16"');

/** A compatibility_level value as Postfix spells it ("0", "1", "2", "3.6", ...). */
export const compatLevel = z.string().regex(/^(0|1|2|3\.\d{1,2})$/, 'must be a compatibility_level such as "2" or "3.6"');

/** A Postfix parameter name: lowercase letters, digits and underscores. */
/** Postfix names are lowercase except a few (smtpd_tls_CAfile, tls_append_default_CA). */
export const parameterName = z.string().regex(/^[a-z][A-Za-z0-9_]*$/, 'must be a Postfix parameter name (letters, digits, underscores)');

/** A citation of where a fact comes from, e.g. "postconf(5)" or "RELEASE_NOTES-3.6". */
export const source = z.string().min(3);
