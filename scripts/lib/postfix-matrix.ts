// The real-release matrix: Postfix 3.4 … 3.11 built from upstream source tarballs, plus the distribution's
// package. Builds go to a per-machine cache keyed by version, tarball checksum and build recipe, so a second
// run (or the next CI run on the same machine) reuses them. Tests locate installations through here.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareVersions } from '../../src/lib/versions.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

/** One Postfix installation the tests can run. */
export interface PostfixRelease {
  /** Stable key: "3.4.29", or "3.7.11-debian" for the distribution package. */
  id: string;
  /** For test titles and proof boxes: "3.4.29", "3.7.11 (Debian)". */
  label: string;
  /** mail_version, e.g. "3.4.29". */
  version: string;
  /** Directory holding the `postfix` and `postconf` commands. */
  sbin: string;
  /** main.cf lines a throwaway instance needs to find this installation's daemons and files. */
  instanceSettings: string;
  /** True for the distribution package (installed by scripts/install-test-deps.sh). */
  distribution: boolean;
}

/** Where the source tarballs are: $POSTFIX_SRC_DIR, else ../shared/postfix-src beside the clone. */
export function sourceDir(): string {
  return resolve(process.env.POSTFIX_SRC_DIR ?? join(repoRoot, '..', 'shared', 'postfix-src'));
}

/** Where builds are kept: $POSTFIX_MATRIX_CACHE, else ~/.cache/postfix-tls/matrix. */
export function cacheDir(): string {
  return resolve(process.env.POSTFIX_MATRIX_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'postfix-tls', 'matrix'));
}

/** The build recipe of ../shared/postfix-src/README.md; part of the cache key, so a change rebuilds. */
const CCARGS = '-DUSE_TLS -DHAS_DB -DHAS_LMDB -DUSE_SASL_AUTH -DUSE_CYRUS_SASL -I/usr/include/sasl';
const AUXLIBS = '-lssl -lcrypto -ldb -llmdb -lsasl2';
/** Test tools the build makes but `make install` leaves out; Debian's package ships them in /usr/sbin. */
const EXTRA_TOOLS = ['posttls-finger', 'smtp-sink', 'smtp-source'];
const RECIPE_KEY = createHash('sha256').update(`${CCARGS}\n${AUXLIBS}\nshared=no dynamicmaps=no\n${EXTRA_TOOLS}`).digest('hex').slice(0, 8);

export interface SourceTarball {
  version: string;
  path: string;
  sha256: string;
}

/** The postfix-X.Y.Z.tar.gz files listed in SHA256SUMS, oldest first; empty when the directory is absent. */
export function sourceTarballs(dir = sourceDir()): SourceTarball[] {
  const sums = join(dir, 'SHA256SUMS');
  if (!existsSync(sums)) return [];
  const out: SourceTarball[] = [];
  for (const line of readFileSync(sums, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?postfix-(\d+\.\d+\.\d+)\.tar\.gz$/.exec(line.trim());
    if (m) out.push({ version: m[2]!, path: join(dir, `postfix-${m[2]}.tar.gz`), sha256: m[1]! });
  }
  return out.sort((a, b) => compareVersions(a.version, b.version));
}

const installDir = (t: SourceTarball) => join(cacheDir(), `${t.version}-${t.sha256.slice(0, 12)}-${RECIPE_KEY}`);

function builtRelease(t: SourceTarball): PostfixRelease {
  const prefix = installDir(t);
  return {
    id: t.version,
    label: t.version,
    version: t.version,
    sbin: join(prefix, 'usr/sbin'),
    distribution: false,
    instanceSettings: [
      `daemon_directory = ${prefix}/usr/libexec/postfix`,
      `command_directory = ${prefix}/usr/sbin`,
      `meta_directory = ${prefix}/etc/postfix`,
      'shlib_directory = no',
      `manpage_directory = ${prefix}/usr/local/man`,
      'sendmail_path = ' + `${prefix}/usr/sbin/sendmail`,
      'newaliases_path = ' + `${prefix}/usr/bin/newaliases`,
      'mailq_path = ' + `${prefix}/usr/bin/mailq`,
    ].join('\n'),
  };
}

const isBuilt = (t: SourceTarball) => existsSync(join(installDir(t), '.complete'));

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function runLogged(cmd: string, args: string[], cwd: string, log: string): void {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 15 * 60_000 });
  const out = `$ ${cmd} ${args.join(' ')}\n${res.stdout ?? ''}${res.stderr ?? ''}`;
  writeFileSync(log, out, { flag: 'a' });
  if (res.status !== 0) {
    const tail = out.split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args[0] ?? ''} failed (exit ${res.status ?? res.signal}) in ${cwd}; full log: ${log}\n${tail}`);
  }
}

/** Builds one release into the cache unless it is already there. Returns its installation. */
export function buildRelease(t: SourceTarball, say: (line: string) => void = () => {}): PostfixRelease {
  if (isBuilt(t)) return builtRelease(t);
  const actual = sha256File(t.path);
  if (actual !== t.sha256) throw new Error(`${t.path}: checksum ${actual} does not match SHA256SUMS (${t.sha256})`);
  const dest = installDir(t);
  const work = `${dest}.building`;
  rmSync(work, { recursive: true, force: true });
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const log = join(cacheDir(), `build-${t.version}.log`);
  writeFileSync(log, '');
  const started = Date.now();
  say(`building Postfix ${t.version} (log: ${log})`);
  runLogged('tar', ['xzf', t.path, '-C', work], work, log);
  const tree = join(work, `postfix-${t.version}`);
  runLogged('make', ['makefiles', `CCARGS=${CCARGS}`, `AUXLIBS=${AUXLIBS}`, 'shared=no', 'dynamicmaps=no'], tree, log);
  runLogged('make', ['-j2'], tree, log);
  const root = join(work, 'root');
  runLogged('make', ['non-interactive-package', `install_root=${root}`], tree, log);
  for (const tool of EXTRA_TOOLS) {
    if (existsSync(join(tree, 'bin', tool))) copyFileSync(join(tree, 'bin', tool), join(root, 'usr/sbin', tool));
  }
  // Keep only the installed tree; the sources and objects are not needed again.
  renameSync(root, dest);
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(dest, '.complete'), `${new Date().toISOString()}\n`);
  say(`built Postfix ${t.version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return builtRelease(t);
}

/** Removes cached builds that no tarball in the source directory names any more. */
export function pruneCache(keep: SourceTarball[]): void {
  if (!existsSync(cacheDir())) return;
  const wanted = new Set(keep.map((t) => installDir(t).split('/').at(-1)));
  for (const entry of readdirSync(cacheDir())) {
    if (/^\d+\.\d+\.\d+-/.test(entry) && !wanted.has(entry)) rmSync(join(cacheDir(), entry), { recursive: true, force: true });
  }
}

/** The distribution's Postfix, when installed: `postconf -d mail_version` names it. */
export function distributionRelease(): PostfixRelease | undefined {
  if (!existsSync('/usr/sbin/postconf') || !existsSync('/usr/sbin/postfix')) return undefined;
  const res = spawnSync('/usr/sbin/postconf', ['-d', '-h', 'mail_version'], { encoding: 'utf8', timeout: 30_000 });
  const version = res.stdout?.trim();
  if (res.status !== 0 || !version) return undefined;
  return { id: `${version}-debian`, label: `${version} (Debian)`, version, sbin: '/usr/sbin', distribution: true, instanceSettings: '' };
}

/**
 * Which releases a run covers: $POSTFIX_RELEASES picks a subset for local runs, as a comma list of
 * lines, versions or "debian" (e.g. "3.4,3.11,debian"). Unset: all of them.
 */
export function selectReleases<T extends { id: string; version: string; distribution: boolean }>(all: T[], spec = process.env.POSTFIX_RELEASES): T[] {
  if (!spec?.trim()) return all;
  const wanted = spec.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return all.filter((r) => wanted.some((w) =>
    w === 'debian' ? r.distribution : !r.distribution && (r.version === w || r.version.startsWith(`${w}.`))));
}

/** The built releases found in the cache (does not build), in version order. */
export function cachedReleases(): PostfixRelease[] {
  return sourceTarballs().filter(isBuilt).map(builtRelease);
}

/** Every release the matrix should have: the tarballs in the source directory (built or not). */
export function expectedVersions(): string[] {
  return sourceTarballs().map((t) => t.version);
}
