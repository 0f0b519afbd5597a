import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as cliMain } from '../../src/cli/main.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/lib/check.ts';
import type { Finding } from '../../src/lib/engine-types.ts';
import type { Facts } from '../../src/lib/facts.ts';
import { generate, type GenerateResult } from '../../src/lib/generate/index.ts';
import { applyMain, applyMaster, detectRoles, migrate, parseCurrent, serviceAliases, type MigrateResult } from '../../src/lib/generate/migrate.ts';
import { releaseChoices } from '../../src/lib/generate/release-choices.ts';
import { corpusDir, corpusProjects } from '../corpus/corpus.ts';
import { realFacts } from '../support/content.ts';

let facts: Facts;
beforeAll(async () => { facts = await realFacts(); });

const norm = (v: string | undefined) => v?.trim().replace(/\s*,\s*/g, ',').replace(/\s+/g, ' ');
const serious = (fs: readonly Finding[]) => fs.filter((f) => f.severity !== 'info');

function filesOf(main: string, master: string | undefined) {
  return [{ name: 'main.cf', kind: 'main' as const, text: main }, ...(master?.trim() ? [{ name: 'master.cf', kind: 'master' as const, text: master }] : [])];
}

/** Applies the migration's commands to the texts, as postconf would. */
function applied(r: MigrateResult, main: string, master: string | undefined) {
  const ops = r.steps.map((s) => s.op);
  const masterOps = ops.filter((o) => o.op !== 'set' && o.op !== 'remove');
  return { main: applyMain(main, ops), master: masterOps.length > 0 ? applyMaster(master ?? '', masterOps) : master };
}

/**
 * The names the generated configuration decides: what it writes, and what it leaves at the default on purpose (its
 * "why not" list, except fingerprint digests, which it only mentions).
 */
function decided(g: GenerateResult): string[] {
  const names = new Set(g.main.map((s) => s.name));
  for (const w of g.whyNot) for (const n of w.topic.split(/\s*,\s*/)) if (!/_fingerprint_digest$/.test(n)) names.add(n);
  return [...names];
}

/** Effective TLS settings of the migrated configuration equal the generated ones: in main.cf and in the generated services (and port 25 for an MX). */
function expectSameEffect(g: GenerateResult, main: string, master: string | undefined, label: string) {
  const mig = parseCurrent(facts, main, master, g.version);
  const gen = parseCurrent(facts, g.mainCf, g.masterCf || undefined, g.version);
  expect(mig.compatibilityLevel, `${label}: compatibility_level`).toBe(g.compatibilityLevel);
  for (const name of decided(g)) {
    expect(norm(mig.resolve(name).raw), `${label}: ${name}`).toBe(norm(gen.resolve(name).raw));
  }
  const keys = [...g.master.map((m) => m.key), ...(g.roles.includes('mx') ? ['smtp/inet'] : [])];
  for (const key of keys) {
    const ms = mig.services.filter((s) => (serviceAliases[key] ?? [key]).includes(s.entry.key)).at(-1);
    const gs = gen.services.filter((s) => s.entry.key === key).at(-1);
    expect(ms, `${label}: service ${key}`).toBeDefined();
    const names = new Set([...decided(g), ...(g.master.find((m) => m.key === key)?.overrides.map((o) => o.name) ?? [])]);
    for (const name of names) expect(norm(mig.resolve(name, ms).raw), `${label}: ${key} ${name}`).toBe(norm(gen.resolve(name, gs).raw));
  }
}

describe('migrate: commands from an existing configuration', () => {
  it('sets what differs, removes the legacy switch, and keeps unrelated settings', () => {
    const main = [
      'compatibility_level = 3.6',
      'myorigin = example.org',
      'smtpd_use_tls = yes',
      'smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem',
      'smtpd_tls_key_file = /etc/ssl/private/ssl-cert-snakeoil.key',
      'smtpd_tls_protocols = >=TLSv1.2',
      'smtpd_tls_session_cache_database = btree:${data_directory}/smtpd_scache',
      'smtpd_tls_loglevel = 1',
      'tls_medium_cipherlist = ECDHE+AESGCM',
      '',
    ].join('\n');
    const r = migrate(facts, { main, options: { roles: ['mx'], postfix: '3.7' } });
    expect(r.errors).toEqual([]);
    const commands = r.steps.map((s) => s.command);
    expect(commands).toContain('postconf -X smtpd_use_tls');
    expect(commands).toContain('postconf -X smtpd_tls_cert_file');
    expect(commands).toContain('postconf -X smtpd_tls_protocols');
    expect(commands).toContain('postconf -X tls_medium_cipherlist');
    expect(commands).toContain("postconf -e 'smtpd_tls_security_level = may'");
    expect(commands.some((c) => c.startsWith("postconf -e 'smtpd_tls_chain_files = "))).toBe(true);
    // Already right, or nothing to do with TLS: left alone.
    expect(commands.join('\n')).not.toMatch(/smtpd_tls_loglevel|myorigin|session_cache|compatibility_level/);
    // The level main.cf sets is kept.
    expect(r.generated.compatibilityLevel).toBe('3.6');
    expect(r.notes.join(' ')).toMatch(/compatibility_level 3\.6 from your main\.cf is kept/);
    // Every step has a comment, and a parameter link where it names one.
    for (const s of r.steps) {
      expect(s.comment.length).toBeGreaterThan(5);
      expect(s.link).toMatch(/^\/parameters\/[a-z0-9_]+\/$|^https:\/\/www\.postfix\.org\//);
    }
    expect(r.script).toContain('# ');
    const after = applied(r, main, undefined);
    expect(after.main).toContain('myorigin = example.org');
    expect(after.main).toContain('smtpd_tls_session_cache_database = btree:${data_directory}/smtpd_scache');
    expect(after.main).not.toContain('smtpd_use_tls');
    expectSameEffect(r.generated, after.main, after.master, 'example');
  });

  it('creates missing services and corrects overrides that contradict the generated ones', () => {
    const main = 'compatibility_level = 3.11\nsmtpd_tls_chain_files = /etc/x/key.pem, /etc/x/full.pem\n';
    const master = [
      'smtp      inet  n       -       y       -       -       smtpd',
      '  -o smtpd_tls_security_level=encrypt',
      'submission inet n       -       y       -       -       smtpd',
      '  -o smtpd_tls_security_level=may',
      '  -o smtpd_sasl_auth_enable=yes',
      '  -o milter_macro_daemon_name=ORIGINATING',
      'qmgr      unix  n       -       n       300     1       qmgr',
      '',
    ].join('\n');
    const r = migrate(facts, { main, master, options: { roles: ['mx', 'submission', 'submissions'], postfix: '3.11' } });
    expect(r.errors).toEqual([]);
    const commands = r.steps.map((s) => s.command);
    expect(commands).toContain("postconf -PX 'smtp/inet/smtpd_tls_security_level'");
    expect(commands).toContain("postconf -P 'submission/inet/smtpd_tls_security_level=encrypt'");
    expect(commands).not.toContain("postconf -P 'submission/inet/smtpd_sasl_auth_enable=yes'");
    expect(commands.filter((c) => c.startsWith('postconf -M '))).toEqual([expect.stringMatching(/^postconf -M 'submissions\/inet=submissions inet n - n - - smtpd'$/)]);
    const after = applied(r, main, master);
    expect(after.master).toContain('-o milter_macro_daemon_name=ORIGINATING');
    expect(after.master).toContain('submission inet n       -       y'); // the existing entry is edited, not replaced
    expectSameEffect(r.generated, after.main, after.master, 'services');
  });

  it('asks for a rendered file instead of a template', () => {
    const r = migrate(facts, { main: 'smtpd_tls_security_level = {{ postfix_tls_level }}\nmyhostname = mx.example.org\n', options: { roles: ['mx'], postfix: '3.11' } });
    expect(r.steps).toEqual([]);
    expect(r.errors.join()).toMatch(/is a template.*line 1.*postconf -n/);
  });

  it('passes on the refusal of an impossible combination', () => {
    const r = migrate(facts, { main: 'myhostname = mx.example.org\n', options: { roles: ['send-only', 'mx'], postfix: '3.11' } });
    expect(r.steps).toEqual([]);
    expect(r.errors.join()).toMatch(/send-only/);
  });

  it('simulates postconf -e/-X the way postconf_edit.c does (every entry rewritten, continuations dropped, new names appended)', () => {
    const text = 'a = 1\n  continued\n# note\nb = 2\na = 3\n';
    expect(applyMain(text, [{ op: 'set', name: 'a', value: 'x' }, { op: 'set', name: 'c', value: 'y' }, { op: 'remove', name: 'b' }]))
      .toBe('a = x\n# note\na = x\nc = y\n');
    const master = 'smtp inet n - y - - smtpd\n  -o x=1\n  -o y=2\n';
    expect(applyMaster(master, [{ op: 'override', key: 'smtp/inet', name: 'x', value: '9' }, { op: 'remove-override', key: 'smtp/inet', name: 'y' }, { op: 'override', key: 'smtp/inet', name: 'z', value: '3' }]))
      .toBe('smtp inet n - y - - smtpd\n  -o x=9\n  -o z=3\n');
    expect(() => applyMaster('', [{ op: 'override', key: 'submission/inet', name: 'x', value: '1' }])).toThrow(/not found/);
  });
});

describe('migrate: every configuration in the corpus', () => {
  const tally = { migrated: 0, templates: 0 };
  const projects = Object.entries(corpusProjects).filter(([, files]) => files.some((f) => f.kind === 'main'));
  const releases = ['3.4', '3.11'];

  it('has main.cf files to migrate', () => { expect(projects.length).toBeGreaterThan(20); });

  for (const [project, files] of projects) {
    it(`${project}: no throw; a template gets a message, a configuration commands whose result matches the generated one`, () => {
      const read = (kind: string) => files.filter((f) => f.kind === kind).map((f) => readFileSync(join(corpusDir, project, f.path), 'utf8')).join('\n');
      const main = read('main');
      const master = read('master') || undefined;
      for (const postfix of releases) {
        const current = parseCurrent(facts, main, master, generate(facts, { roles: ['mx'], postfix }).version);
        const detected = detectRoles(current);
        const roleSets = [detected.roles, ['mx', 'submission', 'submissions'], ['send-only']];
        for (const roles of roleSets) {
          const label = `${project} ${postfix} ${roles.join(',')}`;
          const options = { roles, postfix, ...(roles === detected.roles && detected.relayhost ? { relayhost: detected.relayhost } : {}) };
          const r = migrate(facts, { main, master, options });
          if (r.errors.length > 0) {
            expect(r.steps, label).toEqual([]);
            // Only a template (or the generator's own refusal, which a direct generate() repeats) stops a migration.
            const direct = generate(facts, { ...options, compatibilityLevel: r.generated.compatibilityLevel });
            if (direct.errors.length === 0) {
              expect(r.errors.join(' '), label).toMatch(/is a template, not a configuration: line \d+/);
              tally.templates++;
            }
            continue;
          }
          tally.migrated++;
          const after = applied(r, main, master);
          expectSameEffect(r.generated, after.main, after.master, label);
          // No error or warning that neither the generated configuration nor, for a setting the migration leaves
          // alone, the current one already has.
          const managed = new Set(decided(r.generated));
          // A master.cf finding names its service, so one on a service the migration does not touch keeps its message.
          const key = (f: Finding) => f.file === 'master.cf' ? `${f.rule}:${f.parameter ?? ''}:${f.message}` : `${f.rule}:${f.parameter ?? ''}`;
          const generatedFindings = new Set(serious(check({ facts, postfix: r.generated.version, files: filesOf(r.generated.mainCf, r.generated.masterCf || undefined) })).map((f) => f.rule));
          const before = new Set(serious(check({ facts, postfix: r.generated.version, compatibilityLevel: r.generated.compatibilityLevel, files: filesOf(main, master) })).map(key));
          const now = serious(check({ facts, postfix: r.generated.version, files: filesOf(after.main, after.master) }));
          const fresh = now.filter((f) => !generatedFindings.has(f.rule) && !(before.has(key(f)) && (f.file === 'master.cf' || !(f.parameter && managed.has(f.parameter)))));
          expect(fresh.map((f) => `${f.rule} ${f.parameter} ${f.message}`), label).toEqual([]);
          // And nothing unrelated was dropped: every name main.cf set that the migration does not manage is still set.
          const stillSet = parseCurrent(facts, after.main, after.master, r.generated.version);
          for (const a of current.mainAssignments) {
            if (a.nameTemplated || managed.has(a.name) || r.steps.some((s) => s.op.op === 'remove' && s.op.name === a.name)) continue;
            expect(stillSet.lastMain(a.name), `${label}: ${a.name} kept`).toBeDefined();
          }
        }
      }
    });
  }

  it('migrated real configurations and recognised the templates (not everything refused)', () => {
    expect(tally.migrated).toBeGreaterThan(30);
    expect(tally.templates).toBeGreaterThan(30);
  });
});

describe('detectRoles and the release choices of the page', () => {
  it('reads the roles a configuration serves', () => {
    const main = 'relayhost = [smtp.example.net]:465\ninet_interfaces = loopback-only\nmydestination =\n';
    expect(detectRoles(parseCurrent(facts, main, undefined, '3.11.6'))).toEqual({ roles: ['send-only', 'relay'], relayhost: '[smtp.example.net]:465' });
    const master = 'smtp inet n - n - - smtpd\nsubmission inet n - n - - smtpd\nsmtps inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\nqmgr unix n - n 300 1 qmgr\n';
    expect(detectRoles(parseCurrent(facts, 'myhostname = mx.example.org\n', master, '3.11.6')).roles).toEqual(['mx', 'submission', 'submissions']);
  });

  it('offers each line from 3.4 and the patch releases where the answer changes, each one the generator accepts', () => {
    const choices = releaseChoices(facts);
    const lines = choices.filter((c) => !/^\d+\.\d+\.\d+$/.test(c.value)).map((c) => c.value);
    expect(lines).toEqual(['3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11']);
    // smtp_tls_enforce_sts_mx_patterns arrived in 3.10.5: the releases before it are a separate choice.
    expect(choices.find((c) => c.value === '3.10.4')?.label).toBe('3.10.0 – 3.10.4');
    for (const c of choices) {
      const g = generate(facts, { roles: ['mx', 'mta-sts'], postfix: c.value });
      expect(g.errors, c.value).toEqual([]);
      expect(g.version.startsWith(`${c.line}.`), c.value).toBe(true);
    }
    const before = generate(facts, { roles: ['mta-sts'], postfix: '3.10.4' });
    const after = generate(facts, { roles: ['mta-sts'], postfix: '3.10' });
    expect(before.whyNot.find((w) => w.topic === 'smtp_tls_enforce_sts_mx_patterns')?.reason).not.toBe(after.whyNot.find((w) => w.topic === 'smtp_tls_enforce_sts_mx_patterns')?.reason);
  });
});

describe('postfix-tls generate --from-main', { timeout: 60_000 }, () => {
  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await cliMain(args, { facts: realFacts, version: 'test', stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
    return { code, stdout, stderr };
  }
  const dir = mkdtempSync(join(tmpdir(), 'postfix-tls-migrate-'));
  const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
  const current = file('main.cf', 'compatibility_level = 3.6\nsmtpd_use_tls = yes\nsmtpd_tls_cert_file = /etc/ssl/certs/mx.pem\nsmtpd_tls_key_file = /etc/ssl/private/mx.key\nmyorigin = example.org\n');
  const master = file('master.cf', 'smtp inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\nqmgr unix n - n 300 1 qmgr\n');

  it('prints the migration commands, the same the library gives, with --from-master read too', async () => {
    const r = await cli(['generate', '--role', 'mx,submission', '--postfix', '3.7', '--from-main', current, '--from-master', master, '--format', 'postconf']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lib = migrate(facts, { main: readFileSync(current, 'utf8'), master: readFileSync(master, 'utf8'), options: { roles: ['mx', 'submission'], postfix: '3.7' } });
    expect(r.stdout).toBe(`${lib.script.trimEnd()}\n`);
    expect(r.stdout).toContain('postconf -X smtpd_use_tls');
    expect(r.stdout).toContain("postconf -PX 'smtp/inet/smtpd_tls_security_level'");
    expect(r.stdout).not.toContain('myorigin');
    const text = await cli(['generate', '--role', 'mx', '--postfix', '3.7', '--from-main', current]);
    expect(text.stdout).toMatch(/^# Postfix 3\.7\.\d+, compatibility_level 3\.6; roles: mx\n# compatibility_level 3\.6 from your main\.cf is kept/);
    expect(text.stdout).toContain('# then: postfix check && postfix reload');
    const json = JSON.parse((await cli(['generate', '--role', 'mx', '--from-main', current, '--format', 'json'])).stdout) as { steps: { command: string }[] };
    expect(json.steps.map((s) => s.command)).toContain('postconf -X smtpd_tls_cert_file');
  });

  it('exits 2 for a template, an unreadable file or a misused option', async () => {
    const template = file('main.cf.j2', 'smtpd_tls_security_level = {{ level }}\n');
    const t = await cli(['generate', '--role', 'mx', '--from-main', template]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/is a template, not a configuration/);
    expect(t.stdout).toBe('');
    const missing = await cli(['generate', '--role', 'mx', '--from-main', join(dir, 'nope.cf')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.cf: ENOENT/);
    expect((await cli(['generate', '--role', 'mx', '--from-master', master])).stderr).toMatch(/--from-master needs --from-main/);
    expect((await cli(['generate', '--role', 'mx', '--from-main', current, '--format', 'main'])).code).toBe(2);
    expect((await cli(['check', '--from-main', current])).stderr).toMatch(/--from-main belongs to generate/);
    rmSync(dir, { recursive: true, force: true });
  });
});

