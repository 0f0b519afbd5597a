/**
 * The Postfix installed on this host, as its own postconf reports it: where the configuration lives, which
 * release runs, the compatibility_level in effect and the TLS policy tables main.cf and master.cf name.
 * Only postconf is run (never postfix or a daemon), and only to read.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where Postfix installs postconf when it is not on PATH (ordinary users often lack /usr/sbin there). */
const usualPlaces = ['/usr/sbin/postconf', '/usr/local/sbin/postconf', '/sbin/postconf', '/opt/homebrew/sbin/postconf'];

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The postconf command to ask: the one named, else the first on PATH, else a usual place; undefined if none. */
export function findPostconf(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir && executable(join(dir, 'postconf'))) return join(dir, 'postconf');
  }
  return usualPlaces.find(executable);
}

/** One map of a *_policy_maps setting, and where it was set. */
export interface PolicyMap {
  /** "smtp_tls_policy_maps", or "relay/unix/smtp_tls_policy_maps" for a master.cf override. */
  setting: string;
  /** "hash:/etc/postfix/tls_policy". */
  spec: string;
}

export interface Installation {
  postconf: string;
  configDirectory: string;
  /** mail_version as postconf prints it: "3.7.11", or "3.10-20240101" for a snapshot. */
  mailVersion: string;
  compatibilityLevel: string | undefined;
  policyMaps: PolicyMap[];
}

export type Query = { ok: true; installation: Installation } | { ok: false; missing: boolean; reason: string };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error & { code?: string };
}
type Runner = (cmd: string, args: string[]) => Run;

/** `name = value` lines (postconf's own output form) into a map; a value may be empty. */
export function parsePostconfLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) =(?: (.*))?$/.exec(line);
    if (m) out.set(m[1]!, m[2] ?? '');
  }
  return out;
}

/**
 * Splits a map list the way Postfix does: commas and white space separate, but a `{...}` group (inline:{a, b})
 * stays one entry.
 */
export function splitMapList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of value) {
    if (ch === '{') depth++;
    if (ch === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === ',' || /\s/.test(ch))) {
      if (cur) out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Table types whose source file is a plain "key value" text file, the form a TLS policy table is written in. */
const textSourceTypes = new Set(['hash', 'btree', 'dbm', 'sdbm', 'cdb', 'lmdb', 'texthash']);

/**
 * The source file a policy map is built from (`hash:/etc/postfix/tls_policy` -> `/etc/postfix/tls_policy`), or
 * why there is none the checker can read (a regular expression table, a database, an inline table).
 */
export function policySource(spec: string): { file: string } | { skip: string } {
  let s = spec;
  while (s.startsWith('proxy:')) s = s.slice('proxy:'.length);
  const m = /^([a-z0-9_]+):(.+)$/i.exec(s);
  if (!m) return { skip: 'not a type:name table' };
  const type = m[1]!.toLowerCase();
  if (!textSourceTypes.has(type) || m[2]!.startsWith('{')) {
    return { skip: `${type} tables are not read: only hash, btree, cdb, lmdb, dbm, sdbm and texthash tables have a source file in policy-table form` };
  }
  return { file: m[2]! };
}

const defaultRunner: () => Promise<Runner> = async () => {
  const { spawnSync } = await import('node:child_process');
  return (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LC_ALL: 'C' } });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error as Run['error'] };
  };
};

/** The last `fatal:` (or else the last) line postconf wrote to stderr, for an error message. */
const lastComplaint = (stderr: string) => {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.findLast((l) => l.includes('fatal:')) ?? lines.at(-1) ?? 'no message';
};

/**
 * Asks postconf about the installation. `policyParameters` are the *_policy_maps names to look up: a name the
 * release does not have only makes postconf warn, which is ignored.
 */
export async function queryInstallation(opts: {
  postconf: string;
  configDir?: string;
  policyParameters: readonly string[];
  run?: Runner;
}): Promise<Query> {
  const run = opts.run ?? await defaultRunner();
  const dirArgs = opts.configDir !== undefined ? ['-c', opts.configDir] : [];
  const names = ['config_directory', 'mail_version', 'compatibility_level', ...opts.policyParameters];
  const r = run(opts.postconf, [...dirArgs, '-x', ...names]);
  if (r.error) {
    const missing = r.error.code === 'ENOENT';
    return { ok: false, missing, reason: missing ? `${opts.postconf}: not found` : `${opts.postconf}: ${r.error.message}` };
  }
  if (r.status !== 0) return { ok: false, missing: false, reason: lastComplaint(r.stderr) };
  const values = parsePostconfLines(r.stdout);
  const configDirectory = values.get('config_directory');
  const mailVersion = values.get('mail_version');
  if (!configDirectory || !mailVersion) {
    return { ok: false, missing: false, reason: `${opts.postconf} did not report config_directory and mail_version` };
  }
  const wanted = new Set(opts.policyParameters);
  const policyMaps: PolicyMap[] = [];
  for (const name of opts.policyParameters) {
    for (const spec of splitMapList(values.get(name) ?? '')) policyMaps.push({ setting: name, spec });
  }
  // master.cf -o overrides, expanded: "relay/unix/smtp_tls_policy_maps = hash:/etc/postfix/relay_tls".
  const services = run(opts.postconf, [...dirArgs, '-P', '-x']);
  if (!services.error && services.status === 0) {
    for (const [key, value] of parsePostconfLines(services.stdout)) {
      if (wanted.has(key.split('/').at(-1) ?? '')) for (const spec of splitMapList(value)) policyMaps.push({ setting: key, spec });
    }
  }
  return {
    ok: true,
    installation: {
      postconf: opts.postconf,
      configDirectory,
      mailVersion,
      compatibilityLevel: values.get('compatibility_level') || undefined,
      policyMaps,
    },
  };
}

/** "3.7.11" from "3.7.11", "3.10" from a snapshot "3.10-20240101" or "3.9.0-RC1" -> "3.9.0"; undefined if unparsable. */
export function releaseOf(mailVersion: string): string | undefined {
  return /^(\d+\.\d+(?:\.\d+)?)/.exec(mailVersion)?.[1];
}
