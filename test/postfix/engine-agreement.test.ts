// The engine against every real release of the matrix on generated configurations: "unknown parameter" must agree with
// postconf -n's "unused parameter" warnings, and master.cf syntax errors with postconf -M failing.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusAt, type Facts } from '../../src/lib/facts.ts';
import { engineDeprecatedNames, engineUnusedNames, masterProblems, postconfDeprecatedNames, postconfMasterCodes, postconfUnusedNames } from '../fixtures/postfix-agreement.ts';
import { realFacts } from '../support/content.ts';
import { postfixTierAvailable, writeConfigFile } from './harness.ts';
import { atLeast, testReleases } from './releases.ts';

/** A command's exit code and output, never rejecting on a non-zero exit. */
function runCommand(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000, encoding: 'utf8' }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err });
    });
  });
}

const enabled = postfixTierAvailable();
const RUNS = 150;
/** postconf -M sleeps a second before exiting on a fatal error, so the master.cf sample stays small. */
const MASTER_RUNS = 40;
/** Fixed names so postconf never needs the host's own name or domain. */
const PREFIX = 'myhostname = mx.test.example\nmydomain = test.example\n';

/** One main.cf line kind: a real name, a misspelling, a name too new or too old, a custom name. */
function mainCfArbitrary(facts: Facts, version: string) {
  const all = [...facts.parameters.values()];
  // compatibility_level is left out: postconf stops at an invalid level instead of listing unused names.
  const known = all.filter((p) => p.name !== 'compatibility_level' && statusAt(p, version) !== 'not-yet' && statusAt(p, version) !== 'removed').map((p) => p.name);
  const unknown = all.filter((p) => statusAt(p, version) === 'not-yet' || statusAt(p, version) === 'removed').map((p) => p.name);
  const misspell = (name: string, i: number) => {
    const at = 1 + (i % (name.length - 2));
    return i % 2 ? name.slice(0, at) + name.slice(at + 1) : name.slice(0, at) + 'x' + name.slice(at);
  };
  const line = fc.oneof(
    fc.constantFrom(...known).map((n) => ({ text: `${n} = yes`, refs: [] as string[] })),
    fc.constantFrom(...unknown).map((n) => ({ text: `${n} = yes`, refs: [] as string[] })),
    fc.tuple(fc.constantFrom(...known), fc.nat()).map(([n, i]) => ({ text: `${misspell(n, i)} = yes`, refs: [] as string[] })),
    fc.integer({ min: 1, max: 5 }).map((i) => ({ text: `my_custom_${i} = hash:/etc/postfix/custom_${i}`, refs: [] as string[] })),
    fc.integer({ min: 1, max: 5 }).map((i) => ({ text: `smtpd_tls_loglevel = \${my_custom_${i}?1}`, refs: [`my_custom_${i}`] })),
  );
  return fc.array(line, { minLength: 1, maxLength: 12 }).map((lines) => lines.map((l) => l.text).join('\n') + '\n');
}

/** master.cf service lines, some with one field damaged the way hand edits damage them. */
const masterArbitrary = fc.array(fc.record({
  name: fc.constantFrom('smtp', 'submission', '127.0.0.1:2525', 'relay', 'amavis'),
  type: fc.constantFrom('inet', 'unix', 'unix-dgram', 'fifo', 'pass', 'tcp', 'inet6'),
  priv: fc.constantFrom('-', 'n', 'y', 'x', 'yes'),
  chroot: fc.constantFrom('-', 'n', 'y', 'no'),
  wakeup: fc.constantFrom('-', '60', '1000?', 'x', '60s'),
  maxproc: fc.constantFrom('-', '0', '100', 'many'),
  command: fc.constantFrom('smtpd', 'smtp', 'tlsproxy'),
  drop: fc.boolean(),
}), { minLength: 1, maxLength: 4 }).map((services) => services.map((s) => {
  const fields = [s.name, s.type, s.priv, '-', s.chroot, s.wakeup, s.maxproc, s.command];
  if (s.drop) fields.splice(5, 1);
  return fields.join('  ');
}).join('\n') + '\n');

/** Runs `jobs` with at most `limit` at a time (postconf -M sleeps a second on a fatal error, without CPU). */
async function inBatches<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += limit) out.push(...await Promise.all(jobs.slice(i, i + limit).map((j) => j())));
  return out;
}

describe.runIf(enabled).each(enabled ? testReleases() : [])('engine vs postconf on Postfix $label', (release) => {
  let facts: Facts;
  let root: string;
  beforeAll(async () => {
    facts = await realFacts();
    root = mkdtempSync(join(tmpdir(), 'pf-agree-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** postconf of this release on its own config dir holding these files. */
  async function postconf(i: number, files: { main: string; master: string }, args: string[]) {
    const dir = join(root, String(i));
    mkdirSync(dir, { recursive: true });
    writeConfigFile(join(dir, 'main.cf'), files.main);
    writeConfigFile(join(dir, 'master.cf'), files.master);
    const { code, out, err } = await runCommand(join(release.sbin, 'postconf'), ['-c', dir, ...args]);
    return { status: code, stderr: err, stdout: out };
  }

  it(`"unknown parameter" and deprecation findings agree with postconf -n warnings on ${RUNS} generated main.cf files`, async () => {
    const samples = fc.sample(mainCfArbitrary(facts, release.version), { numRuns: RUNS, seed: 3207 });
    const results = await inBatches(samples.map((main, i) => () => postconf(i, { main: PREFIX + main, master: '' }, ['-n'])), 8);
    const disagreements = samples.flatMap((main, i): object[] => {
      const res = results[i]!;
      if (res.status !== 0) return [{ main, problem: `postconf -n failed: ${res.stderr.slice(0, 300)}` }];
      const unused = { engine: engineUnusedNames(PREFIX + main, facts, release.version), postconf: postconfUnusedNames(res.stderr, facts) };
      // Deprecation warnings (3.9+): the engine's deprecated names are the ones postconf warns will be removed.
      const deprecated = { engine: engineDeprecatedNames(PREFIX + main, facts, release.version), postconf: postconfDeprecatedNames(res.stderr) };
      const same = (x: { engine: string[]; postconf: string[] }) => JSON.stringify(x.engine) === JSON.stringify(x.postconf);
      return same(unused) && same(deprecated) ? [] : [{ main, unused, deprecated }];
    });
    expect(disagreements).toEqual([]);
    // The sample must exercise both judgements, or agreeing would prove nothing.
    expect(results.filter((r) => postconfUnusedNames(r.stderr, facts).length > 0).length).toBeGreaterThan(RUNS / 4);
    if (atLeast(release, '3.9')) expect(results.filter((r) => postconfDeprecatedNames(r.stderr).length > 0).length).toBeGreaterThan(10);
  });

  it(`master.cf syntax errors agree with postconf -M failing on ${MASTER_RUNS} generated files`, async () => {
    const samples = fc.sample(masterArbitrary, { numRuns: MASTER_RUNS, seed: 8314 });
    const results = await inBatches(samples.map((master, i) => () => postconf(i, { main: PREFIX, master }, ['-M'])), 10);
    const disagreements = samples.flatMap((master, i) => {
      const rejected = results[i]!.status !== 0;
      const engineRejects = masterProblems(master).some((p) => postconfMasterCodes.has((p as { code?: string }).code ?? ''));
      return rejected === engineRejects ? [] : [{ master, engineRejects, postconfRejects: rejected, stderr: results[i]!.stderr.slice(0, 300) }];
    });
    expect(disagreements).toEqual([]);
  });
});
