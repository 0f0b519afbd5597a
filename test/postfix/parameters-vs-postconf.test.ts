// The parameter data against every real release of the matrix and the distribution's package: coverage,
// defaults (at every compatibility_level the data names), availability, deprecation warnings, examples.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { releaseDefaults } from '../../src/lib/defaults.ts';
import { effectiveDefault, nonTlsNameAt, rawDefaultAt, statusAt, type Facts } from '../../src/lib/facts.ts';
import { postconfParameterNames } from '../../scripts/lib/postconf-names.ts';
import { realFacts } from '../support/content.ts';
import { compareVersions } from '../../src/lib/versions.ts';
import { postfixTierAvailable, writeConfigFile } from './harness.ts';
import { normalise, parsePostconf } from './postconf-output.ts';
import { atLeast, testReleases, type PostfixRelease } from './releases.ts';

const enabled = postfixTierAvailable();
const releases = enabled ? testReleases() : [];

/** A postconf of one release, run against its own config directory (empty main.cf and master.cf to start). */
function postconfFor(release: PostfixRelease, dir: string) {
  return (args: string[]) => {
    const res = spawnSync(join(release.sbin, 'postconf'), ['-c', dir, ...args], { encoding: 'utf8', timeout: 30_000 });
    if (res.error) throw res.error;
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  };
}

interface DebianException { debian: string; upstream: string; reason: string }
const debianExceptions: Record<string, DebianException> =
  parse(readFileSync(resolve(import.meta.dirname, 'debian-default-exceptions.yaml'), 'utf8')) ?? {};

describe.runIf(enabled && releases.length > 0).each(releases)('parameter data vs Postfix $label', (release) => {
  let facts: Facts;
  let dir: string;
  let postconf: ReturnType<typeof postconfFor>;
  let defaults: Map<string, string>;
  const version = release.version;

  beforeAll(async () => {
    facts = await realFacts();
    dir = mkdtempSync(join(tmpdir(), 'pf-facts-'));
    writeConfigFile(join(dir, 'main.cf'), '');
    writeConfigFile(join(dir, 'master.cf'), '');
    postconf = postconfFor(release, dir);
    const res = postconf(['-d']);
    expect(res.status, res.stderr).toBe(0);
    defaults = parsePostconf(res.stdout);
    expect(defaults.get('mail_version')).toBe(version);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has an entry for every TLS parameter this release knows', () => {
    const missing = [...defaults.keys()].filter((n) => n.includes('tls') && !facts.parameters.has(n));
    expect(missing).toEqual([]);
  });

  it('knows every other parameter name of this release, and dates it right (content/non-tls-parameters.yaml)', () => {
    const { names } = postconfParameterNames(release.sbin);
    const other = names.filter((n) => !facts.parameters.has(n));
    expect(other.filter((n) => !facts.nonTlsParameterNames.has(n)), 'run node scripts/update-non-tls-parameters.ts').toEqual([]);
    expect(other.filter((n) => nonTlsNameAt(facts, n, version) === false).map((n) => `${n}: data says not in ${version}`)).toEqual([]);
    // And the other way round: a name the data places in this release is one this release knows.
    const known = new Set(names);
    const extra = [...facts.nonTlsParameterNames].filter((n) => nonTlsNameAt(facts, n, version) && !known.has(n) && (facts.nonTlsParameterDates.since.has(n) || facts.nonTlsParameterDates.removed.has(n)));
    expect(extra.map((n) => `${n}: data says known in ${version}`)).toEqual([]);
  });

  it('records the default exactly as postconf -d prints it, for every parameter the data says exists', () => {
    const mismatches: string[] = [];
    for (const p of facts.parameters.values()) {
      const status = statusAt(p, version);
      const recorded = rawDefaultAt(p, version);
      const actual = defaults.get(p.name);
      if (status === 'not-yet' || status === 'removed') continue;
      if (actual === undefined) {
        // postconf -d lists only current names; an obsolete name still read through a default is known too.
        if (!postconf(['-d', p.name]).stdout.startsWith(`${p.name} =`)) mismatches.push(`${p.name}: data says ${status} in ${version}, postconf -d does not know it`);
        continue;
      }
      const exception = release.distribution ? debianExceptions[p.name] : undefined;
      if (exception && recorded && normalise(recorded.value) !== normalise(exception.upstream)) {
        mismatches.push(`${p.name}: data ${JSON.stringify(recorded.value)} != upstream ${JSON.stringify(exception.upstream)} in the exceptions file`);
      }
      const expected = exception ? normalise(exception.debian) : recorded && normalise(recorded.value);
      if (expected !== actual) mismatches.push(`${p.name}: data ${JSON.stringify(recorded?.value)} != postconf -d ${JSON.stringify(actual)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('postfix-tls defaults prints the same lines as postconf -d, for every TLS parameter', () => {
    const ours = releaseDefaults(facts, { postfix: version }).lines;
    const names = ours.map((l) => l.split(' ')[0]!).filter((n) => !(release.distribution && debianExceptions[n]));
    const real = postconf(['-d', ...names]).stdout.split('\n').filter(Boolean);
    expect(ours.filter((l) => names.includes(l.split(' ')[0]!))).toEqual(real);
    expect(names.length).toBeGreaterThan(100);
  });

  it('prints no parameter the data says this release does not have', () => {
    const wrong = [...facts.parameters.values()]
      .filter((p) => defaults.has(p.name) && ['not-yet', 'removed'].includes(statusAt(p, version)))
      .map((p) => `${p.name} (since ${p.since}${p.removed ? `, removed ${p.removed.since}` : ''})`);
    expect(wrong).toEqual([]);
  });

  it('gives the data\'s value at every compatibility_level the data names', () => {
    const mismatches: string[] = [];
    const compatDependent = [...facts.parameters.values()].filter((p) => rawDefaultAt(p, version)?.compat && defaults.has(p.name));
    // One level below each threshold, the threshold itself, and the release's own default level.
    const levels = new Set<string>([defaults.get('compatibility_level')!]);
    for (const p of compatDependent) for (const c of rawDefaultAt(p, version)!.compat!) levels.add(c.below).add(levelBelow(c.below));
    for (const level of levels) {
      writeConfigFile(join(dir, 'main.cf'), `compatibility_level = ${level}\n`);
      const res = postconf(['-x', ...compatDependent.map((p) => p.name)]);
      const values = parsePostconf(res.stdout);
      for (const p of compatDependent) {
        const expected = effectiveDefault(p, version, level);
        const actual = values.get(p.name);
        // -x expands $names too; compare only values the data states literally.
        if (expected !== undefined && !expected.includes('$') && normalise(expected) !== actual) {
          mismatches.push(`${p.name} at compatibility_level ${level}: data ${JSON.stringify(expected)} != postconf -x ${JSON.stringify(actual)}`);
        }
      }
    }
    writeConfigFile(join(dir, 'main.cf'), '');
    expect(mismatches).toEqual([]);
  });

  it.runIf(atLeast(release, '3.9'))('marks deprecated exactly the parameters this release warns about', () => {
    // Every TLS parameter this release has, set to its own default: postconf -n warns about each obsolete one.
    const usable = [...facts.parameters.values()].filter((p) => !['not-yet', 'removed'].includes(statusAt(p, version)));
    writeConfigFile(join(dir, 'main.cf'), usable.map((p) => `${p.name} = ${defaults.get(p.name) ?? ''}`).join('\n') + '\n');
    const res = postconf(['-n']);
    writeConfigFile(join(dir, 'main.cf'), '');
    const warned = new Set([...res.stderr.matchAll(/support for parameter "?([A-Za-z0-9_]+)"? will be removed/g)].map((m) => m[1]!));
    expect(warned.size, res.stderr.slice(0, 2000)).toBeGreaterThan(0);
    // Deprecated here even when also ignored (smtpd_tls_eecdh_grade: no effect since 3.6, warned about since 3.9).
    const marked = usable.filter((p) => p.deprecated && compareVersions(version, p.deprecated.since) >= 0).map((p) => p.name).sort();
    expect(marked).toEqual([...warned].sort());
  });

  it('accepts every example (main.cf and master.cf) without a warning or error', () => {
    const usable = [...facts.parameters.values()].filter((p) => {
      const s = statusAt(p, version);
      return s !== 'not-yet' && s !== 'removed';
    });
    const lines = (file: string) => usable.filter((p) => p.example_file === file).map((p) => `# ${p.name}\n${p.example.trim()}\n`).join('\n');
    writeConfigFile(join(dir, 'main.cf'), lines('main.cf'));
    writeConfigFile(join(dir, 'master.cf'), lines('master.cf'));
    try {
      const main = postconf(['-n']);
      expect(main.stderr.split('\n').filter((l) => /unused parameter/.test(l))).toEqual([]);
      expect(main.status).toBe(0);
      const master = postconf(['-M']);
      // Combining all examples in one main.cf overrides earlier entries; only master.cf complaints count here.
      expect(master.stderr.split('\n').filter((l) => l.includes('master.cf'))).toEqual([]);
      expect(master.status).toBe(0);
      expect(master.stdout.split('\n').filter(Boolean).length).toBe(usable.filter((p) => p.example_file === 'master.cf').length);
      expect(usable.length).toBeGreaterThan(150);
    } finally {
      writeConfigFile(join(dir, 'main.cf'), '');
      writeConfigFile(join(dir, 'master.cf'), '');
    }
  });
});

/** A compatibility_level just below `level` ("3.6" -> "3.5", "2" -> "1"). */
function levelBelow(level: string): string {
  const [major, minor] = level.split('.').map(Number);
  if (minor === undefined) return String(Math.max(0, major! - 1));
  return minor > 0 ? `${major}.${minor - 1}` : String(major! - 1 === 2 ? 2 : major! - 1);
}

