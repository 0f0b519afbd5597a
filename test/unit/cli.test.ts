import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The CLI as users run it: bin/postfix-tls.js started by a Node process. */
const root = resolve(import.meta.dirname, '../..');
const projectNode = join(root, 'node_modules/.bin/node');
const fixtures = join(root, 'test/fixtures/rules');

function run(args: string[], node = projectNode) {
  const r = spawnSync(node, [join(root, 'bin/postfix-tls.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('postfix-tls CLI', { timeout: 60_000 }, () => {
  it('exits 0 and prints a summary for a clean configuration', () => {
    const r = run(['check', join(fixtures, 'clean--tutorial/main.cf'), join(fixtures, 'clean--tutorial/master.cf')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0 errors, 0 warnings, 0 info \(checked against Postfix \d+\.\d+\.\d+\)\n$/);
  });

  it('exits 1 on an error finding and shows file:line:col, the source line with a caret, the fix and docs', () => {
    const r = run(['check', '--postfix', '3.7', join(fixtures, 'tls-required-on-mx/main.cf')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('tls-required-on-mx/main.cf:1:1: error tls-required-on-mx ');
    expect(r.stdout).toContain('    1 | smtpd_tls_security_level = encrypt\n      | ^\n');
    expect(r.stdout).toContain('  docs: /rules/tls-required-on-mx/');
    expect(r.stdout).toMatch(/checked against Postfix 3\.7\.\d+\)/);
  });

  it('prints defaults as postconf -d prints them on the release asked for, patch releases included', () => {
    const before = run(['defaults', '--postfix', '3.7.15', 'tlsproxy_client_security_level', 'smtpd_tls_security_level']);
    expect(before.code).toBe(0);
    expect(before.stdout).toBe('smtpd_tls_security_level =\ntlsproxy_client_security_level = ${tlsproxy_client_level:$smtp_tls_security_level}\n');
    const after = run(['defaults', '--postfix', '3.7.16', 'tlsproxy_client_security_level']);
    expect(after.stdout).toBe('tlsproxy_client_security_level = ${tlsproxy_client_level?{$tlsproxy_client_level}:{$smtp_tls_security_level}}\n');
    const compat = run(['defaults', '--postfix', '3.11', '--compat', '3.11', 'smtp_tls_security_level']);
    expect(compat.stdout).toBe('smtp_tls_security_level = may\n');
    const unknown = run(['defaults', '--postfix', '3.6', 'tlsproxy_client_security_level', 'myhostname']);
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('tlsproxy_client_security_level: not a parameter of Postfix 3.6.20 (new in 3.7)');
    expect(run(['defaults', '--postfix', '1.2']).code).toBe(2);
  });

  it('prints JSON findings with the documented keys', () => {
    const r = run(['check', '--format', 'json', '--policy', join(fixtures, 'policy-invalid-level/tls_policy'), '--postfix', '2.10']);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(Object.keys(f)).toEqual(['file', 'line', 'column', 'severity', 'rule', 'parameter', 'message', 'fix', 'docs']);
    expect(findings[0]).toMatchObject({ line: 1, column: 14, rule: 'policy-invalid-level', severity: 'error', docs: '/rules/policy-invalid-level/' });
  });

  it('types positional files by name and asks for a flag otherwise', () => {
    const r = run(['check', join(fixtures, 'policy-invalid-level/tls_policy')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^postfix-tls: cannot tell what kind of file ".*tls_policy" is; pass it with --main, --master or --policy\n/);
  });

  it('exits 2 with a one-line reason, never a stack trace', () => {
    for (const args of [['check', '--postconf', '/nonexistent/postconf'], ['frobnicate'], ['check', '--bogus'], ['check', '--format', 'xml', 'main.cf'], ['check', '--postfix', '9.9', 'main.cf'], ['check', '/nonexistent/main.cf'],
      ['check', '--fail-on', 'notice', 'main.cf'], ['check', '-c', '/etc/postfix', 'main.cf'], ['check', '--docs-base', 'example.org', 'main.cf']]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(/^postfix-tls: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
    expect(run(['check', '/nonexistent/main.cf']).stderr).toBe('postfix-tls: cannot read /nonexistent/main.cf: no such file\n');
  });

  it('prints help', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: postfix-tls check/);
    for (const option of ['--format FORMAT', '--fail-on SEVERITY', '--quiet', '--version', '--config-dir DIR', '--postconf FILE', 'EXIT STATUS']) expect(r.stdout).toContain(option);
  });

  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(run([flag])).toEqual({ code: 0, stdout: `postfix-tls ${version}\n`, stderr: '' });
  });

  it('says how to name files when there is no Postfix to check', () => {
    const r = run(['check', '--postconf', '/nonexistent/postconf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^postfix-tls: no Postfix found .*name the files to check instead, e\.g\. "postfix-tls check main\.cf master\.cf/);
  });

  it('chooses the failing severity with --fail-on', () => {
    const warnings = join(fixtures, 'mandatory-setting-unused/main.cf');
    const plain = run(['check', '--format', 'json', warnings]);
    const severities = (JSON.parse(plain.stdout) as { severity: string }[]).map((f) => f.severity);
    expect(severities).toContain('warning');
    expect(severities).not.toContain('error');
    expect(plain.code).toBe(0);
    expect(run(['check', '--fail-on', 'error', warnings]).code).toBe(0);
    expect(run(['check', '--fail-on', 'warning', warnings]).code).toBe(1);
    expect(run(['check', '--fail-on', 'info', warnings]).code).toBe(1);
    expect(run(['check', '--fail-on', 'info', join(fixtures, 'clean--tutorial/main.cf'), join(fixtures, 'clean--tutorial/master.cf')]).code).toBe(0);
  });

  it('prints only what fails with --quiet', () => {
    expect(run(['check', '--quiet', join(fixtures, 'clean--tutorial/main.cf'), join(fixtures, 'clean--tutorial/master.cf')])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(run(['check', '-q', join(fixtures, 'mandatory-setting-unused/main.cf')])).toEqual({ code: 0, stdout: '', stderr: '' });
    const failing = run(['check', '-q', '--postfix', '3.7', join(fixtures, 'tls-required-on-mx/main.cf')]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('error tls-required-on-mx ');
    expect(failing.stdout).not.toContain('checked against');
    const warned = run(['check', '-q', '--fail-on', 'warning', join(fixtures, 'mandatory-setting-unused/main.cf')]);
    expect(warned.code).toBe(1);
    expect(warned.stdout).toContain('warning mandatory-setting-unused ');
  });

  it('prints GitHub workflow annotations with paths relative to the working directory', () => {
    const r = run(['check', '--format', 'github', '--postfix', '3.7', join(fixtures, 'tls-required-on-mx/main.cf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(/^::error file=test\/fixtures\/rules\/tls-required-on-mx\/main\.cf,line=1,col=1,title=tls-required-on-mx::[^\n]+%0AFix: [^\n]+%0ADocs: \/rules\/tls-required-on-mx\/$/);
    const warned = run(['check', '--format', 'github', join(fixtures, 'mandatory-setting-unused/main.cf')]);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/^::warning file=test\/fixtures\/rules\/mandatory-setting-unused\/main\.cf,line=\d+,col=\d+,title=mandatory-setting-unused::/m);
  });

  it('makes docs links absolute with --docs-base', () => {
    const r = run(['check', '--docs-base', 'https://postfix-tls.example.org/', '--postfix', '3.7', join(fixtures, 'tls-required-on-mx/main.cf')]);
    expect(r.stdout).toContain('  docs: https://postfix-tls.example.org/rules/tls-required-on-mx/\n');
  });

  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p)
    && Number(spawnSync(p, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim()) < 22);
  it.skipIf(!oldNode)('re-runs itself with the project Node when started by an old Node', () => {
    const r = run(['check', join(fixtures, 'tls-required-on-mx/main.cf')], oldNode);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error tls-required-on-mx');
  });
});

describe('file kinds from names', async () => {
  const { kindFromName } = await import('../../src/lib/file-kinds.ts');
  it('recognises main.cf, master.cf and their templates', () => {
    expect(['main.cf', '/etc/postfix/main.cf', 'roles/x/main.cf.j2', 'master.cf.erb', 'templates__master.cf.debian.erb', 'tls_policy', 'main.cf.bak']
      .map((n) => kindFromName(n))).toEqual(['main', 'main', 'main', 'master', 'master', undefined, undefined]);
  });
});
