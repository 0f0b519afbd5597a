// `postfix-tls check` with no files against real installations: Debian's package and every release of the matrix.
// The published bundle (built here into a temporary folder, as prepack builds it) runs on the machine's Node and
// asks the release's own postconf, found on PATH, about a throwaway configuration named by MAIL_CONFIG or -c.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli.ts';
import { postfixTierAvailable, writeConfigFile } from './harness.ts';
import { testReleases } from './releases.ts';

const enabled = postfixTierAvailable();
const node = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;

interface JsonFinding { file: string; line: number; column: number; rule: string; severity: string }

let work: string;
let bundle: string;
beforeAll(async () => {
  if (!enabled) return;
  work = mkdtempSync(join(tmpdir(), 'postfix-tls-cli-live-'));
  bundle = (await buildCli(join(work, 'postfix-tls.cjs'))).path;
});
afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

/** The bundle as a process: PATH finds `sbin`'s postconf first; no project Node on it. */
function cli(args: string[], sbin: string, env: Record<string, string> = {}) {
  const r = spawnSync(node, [bundle, ...args], {
    cwd: work, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, PATH: [sbin, '/usr/bin', '/bin'].join(':'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(enabled).each(enabled ? testReleases() : [])('postfix-tls check on the installed Postfix $label', (release) => {
  let dir: string;
  beforeAll(() => {
    dir = join(work, release.id);
    mkdirSync(dir, { recursive: true });
    writeConfigFile(join(dir, 'main.cf'), [
      'myhostname = mx.test.example',
      'mydomain = test.example',
      'compatibility_level = 2',
      'smtpd_tls_security_level = encrypt',
      'smtpd_tls_chain_files = /etc/ssl/private/mail.pem',
      'smtp_tls_security_level = may',
      'smtp_tls_policy_maps = hash:$config_directory/tls_policy, pcre:${config_directory}/tls_policy.pcre',
      '',
    ].join('\n'));
    writeConfigFile(join(dir, 'master.cf'), [
      'smtp      inet  n       -       y       -       -       smtpd',
      'relay     unix  -       -       y       -       -       smtp',
      '  -o smtp_tls_policy_maps=texthash:$config_directory/relay_policy',
      '',
    ].join('\n'));
    writeConfigFile(join(dir, 'tls_policy'), 'example.com  mandatory\n');
    writeConfigFile(join(dir, 'relay_policy'), '[relay.example.net]:587  secure\n');
  });

  it('asks that release\'s postconf, reads main.cf, master.cf and the policy tables, and checks against that release', () => {
    // No arguments at all: the configuration is the one MAIL_CONFIG names, as for Postfix's own commands.
    const r = cli(['check'], release.sbin, { MAIL_CONFIG: dir });
    const notes = r.stderr.split('\n');
    expect(notes).toHaveLength(3);
    expect(notes[0]).toBe(`postfix-tls: checking the Postfix ${release.version} installation in ${dir} (compatibility_level 2): ${dir}/main.cf, ${dir}/master.cf, ${dir}/tls_policy, ${dir}/relay_policy`);
    // Releases that have tlsproxy_client_policy_maps name the table there too, through its $smtp_tls_policy_maps default.
    expect(notes[1]).toMatch(new RegExp(`^postfix-tls: not checked: pcre:${dir}/tls_policy\\.pcre in smtp_tls_policy_maps(, tlsproxy_client_policy_maps)? \\(pcre tables are not read: `));
    expect(r.stdout).toContain(`${dir}/main.cf:4:1: error tls-required-on-mx `);
    expect(r.stdout).toContain(`${dir}/tls_policy:1:14: error policy-invalid-level `);
    expect(r.stdout).toMatch(new RegExp(`\\(checked against Postfix ${release.version.replace(/\./g, '\\.')}\\)\\n$`));
    expect(r.code).toBe(1);
  });

  it('finds what checking the same files by name against that release finds', () => {
    const live = cli(['check', '-c', dir, '--format', 'json'], release.sbin);
    const named = cli(['check', '--format', 'json', '--postfix', release.version, '--compat', '2',
      join(dir, 'main.cf'), join(dir, 'master.cf'), '--policy', join(dir, 'tls_policy'), '--policy', join(dir, 'relay_policy')], release.sbin);
    expect(live.code).toBe(1);
    const findings = JSON.parse(live.stdout) as JsonFinding[];
    expect(findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['tls-required-on-mx', 'policy-invalid-level']));
    const order = (a: JsonFinding, b: JsonFinding) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule);
    expect(findings.toSorted(order)).toEqual((JSON.parse(named.stdout) as JsonFinding[]).toSorted(order));
  });
});

describe.runIf(enabled)('postfix-tls check without a configuration', () => {
  it('passes on postconf\'s complaint and says how to name files instead', () => {
    const missing = join(tmpdir(), 'postfix-tls-no-such-config');
    const r = cli(['check', '-c', missing], '/usr/sbin');
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(new RegExp(`^postfix-tls: postconf could not report this Postfix's configuration \\(.*${missing}/main\\.cf.*\\); name the files to check instead`));
  });

  it('checks /etc/postfix when the host has a main.cf there, and otherwise says what is missing', () => {
    const r = cli(['check', '--format', 'json'], '/usr/sbin');
    if (existsSync('/etc/postfix/main.cf')) {
      expect([0, 1]).toContain(r.code);
      expect(r.stderr).toMatch(/^postfix-tls: checking the Postfix \d+\.\d+\.\d+ installation in \/etc\/postfix /);
    } else {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('/etc/postfix/main.cf');
    }
  });
});
