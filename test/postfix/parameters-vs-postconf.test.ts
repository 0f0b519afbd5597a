// The parameter data against the installed real Postfix: coverage, defaults, availability, examples.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rawDefaultAt, statusAt, type Facts } from '../../src/lib/facts.ts';
import { compareVersions } from '../../src/lib/versions.ts';
import { postconfParameterNames } from '../../scripts/lib/postconf-names.ts';
import { realFacts } from '../support/content.ts';
import { postfixTierAvailable, writeConfigFile } from './harness.ts';

const enabled = postfixTierAvailable();

/** `postconf -d` as name -> value (whitespace normalised). */
function postconfDefaults(): Map<string, string> {
  const res = spawnSync('/usr/sbin/postconf', ['-d'], { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`postconf -d failed: ${res.stderr}`);
  const map = new Map<string, string>();
  for (const line of res.stdout.split('\n')) {
    const i = line.indexOf(' = ');
    const eq = i >= 0 ? i : line.endsWith(' =') ? line.length - 2 : -1;
    if (eq < 0) continue;
    map.set(line.slice(0, eq), normalise(line.slice(eq + 3)));
  }
  return map;
}

/** Collapses whitespace and the spacing around list separators; `$name` stays literal. */
const normalise = (v: string) => v.replace(/\s+/g, ' ').replace(/\s*,\s*/g, ', ').trim();

describe.runIf(enabled)('parameter data vs the installed Postfix', () => {
  let facts: Facts;
  let defaults: Map<string, string>;
  let version: string;
  let debianExceptions: Record<string, { debian: string; upstream: string; reason: string }>;

  beforeAll(async () => {
    facts = await realFacts();
    defaults = postconfDefaults();
    version = defaults.get('mail_version')!.split('.').slice(0, 2).join('.');
    debianExceptions = parse(readFileSync(resolve(import.meta.dirname, 'debian-default-exceptions.yaml'), 'utf8')) ?? {};
  });

  it('has an entry for every TLS parameter the installed Postfix knows', () => {
    const missing = [...defaults.keys()].filter((n) => n.includes('tls') && !facts.parameters.has(n));
    expect(missing).toEqual([]);
  });

  it('knows every other parameter name of the installed Postfix (content/non-tls-parameters.yaml is complete)', () => {
    // The same postconf -d run that generated the list: empty main.cf, the stock master.cf.
    const { names } = postconfParameterNames();
    const missing = names.filter((n) => !facts.parameters.has(n) && !facts.nonTlsParameterNames.has(n));
    expect(missing, 'run node scripts/update-non-tls-parameters.ts').toEqual([]);
    expect(facts.perTransportSuffixes).toContain('_destination_rate_delay');
  });

  it('records the installed release default exactly as postconf -d prints it', () => {
    const mismatches: string[] = [];
    for (const p of facts.parameters.values()) {
      const actual = defaults.get(p.name);
      if (actual === undefined) continue;
      const recorded = rawDefaultAt(p, version);
      const exception = debianExceptions[p.name];
      const expected = exception ? normalise(exception.debian) : recorded && normalise(recorded.value);
      if (exception && recorded && normalise(recorded.value) !== normalise(exception.upstream)) {
        mismatches.push(`${p.name}: data ${JSON.stringify(recorded.value)} != upstream ${JSON.stringify(exception.upstream)} in the exceptions file`);
      }
      if (expected !== actual) mismatches.push(`${p.name}: data ${JSON.stringify(recorded?.value)} != postconf -d ${JSON.stringify(actual)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('marks every name the installed Postfix lacks as newer or already removed', () => {
    // `postconf -d` lists only current names; legacy names still referenced by a default are known too.
    const knows = (name: string) =>
      defaults.has(name) || spawnSync('/usr/sbin/postconf', ['-d', name], { encoding: 'utf8' }).stdout.startsWith(`${name} =`);
    const wrong = [...facts.parameters.values()]
      .filter((p) => !knows(p.name))
      .filter((p) => !(compareVersions(p.since, version) > 0 || (p.removed && compareVersions(p.removed.since, version) <= 0)))
      .map((p) => `${p.name} (since ${p.since}${p.removed ? `, removed ${p.removed.since}` : ''})`);
    expect(wrong).toEqual([]);
  });

  it('accepts every example (main.cf and master.cf) without a warning or error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-examples-'));
    try {
      const usable = [...facts.parameters.values()].filter((p) => {
        const s = statusAt(p, version);
        return s !== 'not-yet' && s !== 'removed';
      });
      const lines = (file: string) => usable.filter((p) => p.example_file === file).map((p) => `# ${p.name}\n${p.example.trim()}\n`).join('\n');
      writeConfigFile(join(dir, 'main.cf'), lines('main.cf'));
      writeConfigFile(join(dir, 'master.cf'), lines('master.cf'));
      const main = spawnSync('/usr/sbin/postconf', ['-c', dir, '-n'], { encoding: 'utf8', timeout: 30_000 });
      expect(main.stderr.split('\n').filter((l) => /unused parameter/.test(l))).toEqual([]);
      expect(main.status).toBe(0);
      const master = spawnSync('/usr/sbin/postconf', ['-c', dir, '-M'], { encoding: 'utf8', timeout: 30_000 });
      // Combining all examples in one main.cf overrides earlier entries; only master.cf complaints count here.
      expect(master.stderr.split('\n').filter((l) => l.includes('master.cf'))).toEqual([]);
      expect(master.status).toBe(0);
      expect(master.stdout.split('\n').filter(Boolean).length).toBe(usable.filter((p) => p.example_file === 'master.cf').length);
      expect(usable.length).toBeGreaterThan(150);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
