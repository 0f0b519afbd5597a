// `postfix-tls check` with no files, against a stand-in postconf: how it reads the answers, which files it
// checks and what it says about those it skips. test/postfix/cli-live.test.ts does the same against real Postfix.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePostconfLines, policySource, releaseOf, splitMapList } from '../../src/cli/live.ts';

const root = resolve(import.meta.dirname, '../..');

describe('postconf answers', () => {
  it('reads name = value lines, empty values included', () => {
    expect([...parsePostconfLines('config_directory = /etc/postfix\nsmtp_tls_policy_maps =\nrelay/unix/smtp_tls_policy_maps = hash:/x\nwarning: junk\n')])
      .toEqual([['config_directory', '/etc/postfix'], ['smtp_tls_policy_maps', ''], ['relay/unix/smtp_tls_policy_maps', 'hash:/x']]);
  });

  it('splits map lists on commas and white space, keeping {...} groups whole', () => {
    expect(splitMapList('hash:/etc/postfix/a, texthash:/b  inline:{ example.com=may, example.net=secure }')).toEqual(['hash:/etc/postfix/a', 'texthash:/b', 'inline:{ example.com=may, example.net=secure }']);
    expect(splitMapList('')).toEqual([]);
  });

  it('finds the source file of indexed and texthash tables, and says why others are skipped', () => {
    expect(policySource('hash:/etc/postfix/tls_policy')).toEqual({ file: '/etc/postfix/tls_policy' });
    expect(policySource('proxy:lmdb:/etc/postfix/tls_policy')).toEqual({ file: '/etc/postfix/tls_policy' });
    expect(policySource('texthash:/etc/postfix/tls_policy')).toEqual({ file: '/etc/postfix/tls_policy' });
    expect(policySource('pcre:/etc/postfix/tls_policy.pcre')).toMatchObject({ skip: expect.stringMatching(/^pcre tables are not read/) });
    expect(policySource('inline:{ example.com=may }')).toMatchObject({ skip: expect.stringMatching(/^inline tables/) });
    expect(policySource('/etc/postfix/tls_policy')).toEqual({ skip: 'not a type:name table' });
  });

  it('takes the release from mail_version, snapshots and release candidates included', () => {
    expect(['3.7.11', '3.10-20240101', '3.9.0-RC1', 'unknown'].map(releaseOf)).toEqual(['3.7.11', '3.10', '3.9.0', undefined]);
  });
});

describe('postfix-tls check on this host (stand-in postconf)', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'postfix-tls-live-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'etc');
  const fake = join(dir, 'postconf');
  // Answers as postconf does: "name = value" for known names, a warning on stderr for others, -P for master.cf.
  writeFileSync(fake, `#!/bin/sh
dir=${conf}
[ "$1" = "-c" ] && { dir=$2; shift 2; }
[ -n "$FAKE_FAIL" ] && { echo "postconf: fatal: open $dir/main.cf: No such file or directory" >&2; exit 1; }
if [ "$1" = "-P" ]; then echo "relay/unix/smtp_tls_policy_maps = hash:$dir/relay_policy"; exit 0; fi
shift
for n in "$@"; do
  case $n in
    config_directory) echo "config_directory = $dir";;
    mail_version) echo "mail_version = \${FAKE_VERSION:-3.7.11}";;
    compatibility_level) echo "compatibility_level = 3.6";;
    smtp_tls_policy_maps) echo "smtp_tls_policy_maps = hash:$dir/tls_policy, pcre:$dir/tls.pcre";;
    lmtp_tls_policy_maps) echo "lmtp_tls_policy_maps = texthash:$dir/missing_policy";;
    *) echo "postconf: warning: $n: unknown parameter" >&2;;
  esac
done
`);
  chmodSync(fake, 0o755);
  spawnSync('mkdir', ['-p', conf]);
  writeFileSync(join(conf, 'main.cf'), 'smtp_tls_security_level = may\nsmtp_tls_policy_maps = hash:$config_directory/tls_policy, pcre:$config_directory/tls.pcre\n');
  writeFileSync(join(conf, 'master.cf'), 'smtp      inet  n       -       y       -       -       smtpd\nrelay     unix  -       -       y       -       -       smtp\n  -o smtp_tls_policy_maps=hash:$config_directory/relay_policy\n');
  writeFileSync(join(conf, 'tls_policy'), 'example.com  mandatory\n');
  writeFileSync(join(conf, 'relay_policy'), '[relay.example.net]:587  secure\n');

  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'bin/postfix-tls.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('checks main.cf, master.cf and the policy tables postconf names, against the installed release', () => {
    const r = run(['check', '--postconf', fake]);
    expect(r.stderr.split('\n')).toEqual([
      `postfix-tls: checking the Postfix 3.7.11 installation in ${conf} (compatibility_level 3.6): ${conf}/main.cf, ${conf}/master.cf, ${conf}/tls_policy, ${conf}/relay_policy`,
      `postfix-tls: not checked: pcre:${conf}/tls.pcre in smtp_tls_policy_maps (pcre tables are not read: only hash, btree, cdb, lmdb, dbm, sdbm and texthash tables have a source file in policy-table form)`,
      `postfix-tls: not checked: ${conf}/missing_policy (no such file)`,
      '',
    ]);
    expect(r.stdout).toContain(`${conf}/tls_policy:1:14: error policy-invalid-level `);
    expect(r.stdout).toMatch(/\(checked against Postfix 3\.7\.11\)\n$/);
    expect(r.code).toBe(1);
  });

  it('honours -c DIR as postconf does, and --quiet drops the notes', () => {
    const other = join(dir, 'other');
    spawnSync('cp', ['-r', conf, other]);
    writeFileSync(join(other, 'tls_policy'), 'example.com  may\n');
    const r = run(['check', '--postconf', fake, '-c', other, '--quiet']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('checks the installation against another release with --postfix, and says so', () => {
    const r = run(['check', '--postconf', fake, '--postfix', '3.11', '--format', 'json']);
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^postfix-tls: checking the Postfix 3\\.7\\.11 installation in ${conf} against Postfix 3\\.11\\.\\d+ \\(compatibility_level 3\\.6\\): `));
    expect(r.code).toBe(1);
  });

  it('checks a release newer than it knows against the newest it knows, and refuses an unknown old one', () => {
    const newer = run(['check', '--postconf', fake, '--format', 'json'], { FAKE_VERSION: '9.1.0' });
    expect(newer.stderr).toMatch(/Postfix 9\.1\.0 is newer than the releases this checker knows; checking against \d+\.\d+\.\d+/);
    expect(newer.code).toBe(1);
    const older = run(['check', '--postconf', fake], { FAKE_VERSION: '1.1.12' });
    expect(older).toMatchObject({ code: 2, stdout: '' });
    expect(older.stderr).toBe('postfix-tls: cannot check against the installed Postfix 1.1.12: not a release this checker knows; give --postfix VERSION\n');
  });

  it('passes on postconf\'s complaint and says how to name files instead', () => {
    const r = run(['check', '--postconf', fake], { FAKE_FAIL: '1' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`postfix-tls: postconf could not report this Postfix's configuration (postconf: fatal: open ${conf}/main.cf: No such file or directory); name the files to check instead, e.g. "postfix-tls check main.cf master.cf --policy tls_policy"\n`);
  });
});
