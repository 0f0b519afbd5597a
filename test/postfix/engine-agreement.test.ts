// The engine against the real Postfix 3.7 on generated configurations: "unknown parameter" must agree with
// postconf -n's "unused parameter" warnings, and master.cf syntax errors with postconf -M failing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusAt, type Facts } from '../../src/lib/facts.ts';
import { engineUnusedNames, masterProblems, postconfMasterCodes, postconfUnusedNames } from '../fixtures/postfix-agreement.ts';
import { realFacts } from '../support/content.ts';
import { postfixTierAvailable, writeConfigFile } from './harness.ts';

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

describe.runIf(enabled)('engine vs postconf on Postfix 3.7', () => {
  let facts: Facts;
  let dir: string;
  beforeAll(async () => {
    facts = await realFacts();
    dir = mkdtempSync(join(tmpdir(), 'pf-agree-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const postconf = (args: string[]) => spawnSync('/usr/sbin/postconf', ['-c', dir, ...args], { encoding: 'utf8', timeout: 10_000 });

  it(`"unknown parameter" agrees with postconf -n warnings on ${RUNS} generated main.cf files`, () => {
    fc.assert(fc.property(mainCfArbitrary(facts, '3.7'), (main) => {
      writeConfigFile(join(dir, 'main.cf'), PREFIX + main);
      writeConfigFile(join(dir, 'master.cf'), '');
      const res = postconf(['-n']);
      expect(res.status).toBe(0);
      expect(engineUnusedNames(PREFIX + main, facts, '3.7')).toEqual(postconfUnusedNames(res.stderr, facts));
    }), { numRuns: RUNS, seed: 3207 });
  });

  it(`master.cf syntax errors agree with postconf -M failing on ${MASTER_RUNS} generated files`, () => {
    writeConfigFile(join(dir, 'main.cf'), PREFIX);
    fc.assert(fc.property(masterArbitrary, (master) => {
      writeConfigFile(join(dir, 'master.cf'), master);
      const rejected = postconf(['-M']).status !== 0;
      const engineRejects = masterProblems(master).some((p) => postconfMasterCodes.has((p as { code?: string }).code ?? ''));
      expect({ master, engineRejects }).toEqual({ master, engineRejects: rejected });
    }), { numRuns: MASTER_RUNS, seed: 8314 });
  });
});
