import { z } from 'zod';
import { compatLevel, parameterName, patchVersion, postfixVersion, source } from './common.ts';

/** Which program reads a parameter; drives grouping on the site and service checks in the engine. */
export const parameterRoles = ['smtpd', 'smtp', 'lmtp', 'tlsproxy', 'postscreen', 'global'] as const;
export type ParameterRole = (typeof parameterRoles)[number];

/** Value types the engine knows how to validate. */
export const parameterTypes = [
  'boolean', 'enum', 'protocols', 'cipher-grade', 'cipher-list', 'file', 'file-list',
  'lookup-table', 'time', 'integer', 'list', 'string',
] as const;
export type ParameterType = (typeof parameterTypes)[number];

/** The default that applies below a compatibility_level (Postfix's "backwards-compatible default"). */
const compatDefault = z.strictObject({
  /** This value applies while compatibility_level is below this level. */
  below: compatLevel,
  /** The value in effect under that condition. */
  value: z.string(),
});

/** A default that holds from one release until the next entry's `from`. */
const versionedDefault = z.strictObject({
  /** First release with this default: a feature release ("3.6") or the patch release that changed it ("3.10.5"). */
  from: postfixVersion,
  /**
   * Patch releases of older lines that received the same change (upstream back-ports): each applies from
   * that patch release to the end of its line, e.g. ["3.7.16", "3.8.11"] on an entry from "3.11".
   */
  backported: z.array(patchVersion).min(1).optional(),
  /** The default exactly as `postconf -d` prints it for that release (may be an expression). */
  value: z.string(),
  /** When the default depends on compatibility_level: the values for lower levels, lowest first. */
  compat: z.array(compatDefault).min(1).optional(),
});

/** A change of status (deprecated, ignored, removed) and what to use instead. */
const statusChange = z.strictObject({
  /** First release with this status. */
  since: postfixVersion,
  /** Parameters that take over; empty only when the feature is simply gone. */
  replacement: z.array(parameterName),
  /** What to do instead, in one or two sentences. */
  note: z.string().optional(),
});

/** One allowed value of an enum-like parameter. */
const allowedValue = z.strictObject({
  /** The literal value to write in main.cf. */
  value: z.string(),
  /** What it does, one line. */
  meaning: z.string(),
  /** First release that accepts it, when later than the parameter itself. */
  since: postfixVersion.optional(),
});

/** A mistake admins make with this parameter, and how to avoid it. */
const pitfall = z.strictObject({
  /** The mistake, as a short headline. */
  title: z.string(),
  /** Why it bites and what to do instead. */
  body: z.string(),
});

/** One TLS-related Postfix parameter. The file name (without .yaml) must equal `name`. */
export const parameterSchema = z.strictObject({
  /** Exact parameter name, identical to the file name. */
  name: parameterName,
  /** The program that reads it. */
  role: z.enum(parameterRoles),
  /** The same setting for the other delivery client: smtp_X <-> lmtp_X (must point back). */
  twin: parameterName.optional(),
  /** Value type, which selects the validation the engine applies. */
  type: z.enum(parameterTypes),
  /** Allowed values for enums, levels and grades. */
  values: z.array(allowedValue).optional(),
  /** Defaults by release, oldest first. */
  defaults: z.array(versionedDefault).min(1),
  /** First release that knows the parameter (a patch release where it arrived in one). */
  since: postfixVersion,
  /** Patch releases of older lines that received the parameter too (upstream back-ports). */
  since_backported: z.array(patchVersion).min(1).optional(),
  /** Release from which Postfix warns that it is deprecated. */
  deprecated: statusChange.optional(),
  /** Release from which Postfix still accepts it but no longer acts on it. */
  ignored: statusChange.optional(),
  /** Release from which Postfix no longer knows it at all. */
  removed: statusChange.optional(),
  /** Parameters a reader of this page will want next. */
  related: z.array(parameterName).default([]),
  /** One line, written for this site. */
  summary: z.string().min(10).max(200),
  /** A few paragraphs of Markdown, written for this site. */
  description: z.string().min(20),
  /** Real-world mistakes. */
  pitfalls: z.array(pitfall).default([]),
  /** Lines showing typical use, in the file named by example_file. */
  example: z.string().min(3),
  /** Where the example goes: main.cf (global) or master.cf (per-service -o overrides). */
  example_file: z.enum(['main.cf', 'master.cf']).default('main.cf'),
  /** Where the facts come from. */
  sources: z.array(source).min(1),
});
export type Parameter = z.infer<typeof parameterSchema>;
