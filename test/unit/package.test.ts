// The npm package as an admin gets it: `npm pack` of the working tree (prepack builds the bundle), installed
// into a throwaway prefix and run by the machine's own Node (Debian's Node 20 at /usr/bin/node), offline.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sarifProblems } from '../support/sarif.ts';

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/rules');

/** The machine's Node, older than the project's Node 24 where there is one; the installed CLI must run on it. */
const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));
const systemNodeMajor = systemNode ? Number(spawnSync(systemNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim()) : undefined;
if (!systemNode) console.warn('package test: no /usr/bin/node; the installed CLI runs with the project\'s Node instead');
const node = systemNode ?? process.execPath;
/** PATH that finds the machine's Node (and npm) first, as on a server: the project's Node 24 is not on it. */
const serverPath = ['/usr/local/bin', '/usr/bin', '/bin'].join(':');

interface Packed { filename: string; size: number; unpackedSize: number; files: { path: string; size: number }[] }

describe('the npm package', { timeout: 180_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'postfix-tls-package-'));
  const prefix = join(work, 'prefix');
  const installed = join(prefix, 'bin', 'postfix-tls');
  let packed: Packed;
  const env = { ...process.env, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false', XDG_CACHE_HOME: join(work, 'cache') };

  beforeAll(() => {
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', env, timeout: 120_000 });
    if (pack.status !== 0) throw new Error(`npm pack failed (exit ${pack.status}):\n${pack.stderr}`);
    packed = (JSON.parse(pack.stdout) as Packed[])[0]!;
    const install = spawnSync('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(work, packed.filename)],
      { cwd: work, encoding: 'utf8', env, timeout: 120_000 });
    if (install.status !== 0) throw new Error(`npm install -g failed (exit ${install.status}):\n${install.stderr}`);
    for (const f of ['tls-required-on-mx/main.cf', 'clean--tutorial/master.cf']) copyFileSync(join(fixtures, f), join(work, f.split('/').pop()!));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const run = (args: string[], opts: { direct?: boolean } = {}) => {
    // direct: through the installed command's #! line with the server's PATH; otherwise `node <command>`.
    const r = opts.direct
      ? spawnSync(installed, args, { cwd: work, encoding: 'utf8', env: { ...env, PATH: serverPath } })
      : spawnSync(node, [installed, ...args], { cwd: work, encoding: 'utf8', env });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('holds only the launcher, the bundle, package.json and README, with no dependencies', () => {
    expect(packed.files.map((f) => f.path).sort()).toEqual(['README.md', 'bin/postfix-tls.cjs', 'build/postfix-tls.cjs', 'package.json']);
    console.log(`package ${packed.filename}: ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
    expect(packed.size).toBeLessThan(150 * 1024);
    expect(packed.unpackedSize).toBeLessThan(600 * 1024);
    expect(existsSync(join(prefix, 'lib/node_modules/postfix-tls/node_modules'))).toBe(false);
  });

  it.skipIf(!systemNode)(`runs on the machine's Node (${systemNode} v${systemNodeMajor})`, () => {
    expect(run(['--version'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^postfix-tls \d+\.\d+\.\d+\n$/) });
    const r = run(['check', '--postfix', '3.7', 'main.cf', 'master.cf'], { direct: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('main.cf:1:1: error tls-required-on-mx ');
    expect(r.stdout).toMatch(/checked against Postfix 3\.7\.\d+\)\n$/);
  });

  it('prints SARIF that validates against the SARIF 2.1.0 schema', () => {
    const r = run(['check', '--format', 'sarif', 'main.cf']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const log = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0]!.results[0]).toMatchObject({ ruleId: 'tls-required-on-mx', locations: [{ physicalLocation: { artifactLocation: { uri: 'main.cf' } } }] });
  });

  it('keeps the exit codes: 0 clean, 2 on usage errors and unreadable files', () => {
    expect(run(['check', '--fail-on', 'error', 'master.cf']).code).toBe(0);
    expect(run(['check', '--format', 'xml', 'main.cf'])).toMatchObject({ code: 2, stdout: '' });
    expect(run(['check', 'missing/main.cf'])).toEqual({ code: 2, stdout: '', stderr: 'postfix-tls: cannot read missing/main.cf: no such file\n' });
    expect(run(['defaults', '--postfix', '3.11', '--compat', '3.11', 'smtp_tls_security_level'])).toEqual({ code: 0, stdout: 'smtp_tls_security_level = may\n', stderr: '' });
  });

  it('keeps V8\'s compiled code in the user\'s own cache folder, and recovers from a damaged cache', () => {
    const codeDir = join(work, 'cache/postfix-tls/code');
    rmSync(codeDir, { recursive: true, force: true });
    const first = run(['check', '--format', 'json', 'main.cf']);
    const cached = readdirSync(codeDir);
    expect(cached).toHaveLength(1);
    expect(cached[0]).toMatch(/^code-v\d+\.\d+\.\d+-\w+-\d+-\d+-\d+\.bin$/);
    expect(statSync(codeDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(codeDir, cached[0]!)).mode & 0o777).toBe(0o600);
    expect(run(['check', '--format', 'json', 'main.cf'])).toEqual(first);
    writeFileSync(join(codeDir, cached[0]!), 'not a code cache');
    expect(run(['check', '--format', 'json', 'main.cf'])).toEqual(first);
    expect(readFileSync(join(codeDir, cached[0]!)).length).toBeGreaterThan(1000);
  });

  it.skipIf(!systemNode)('runs straight from the tarball with npx', () => {
    const r = spawnSync('npx', ['--yes', '--offline', `./${packed.filename}`, 'check', '--format', 'github', '--postfix', '3.7', 'main.cf'],
      { cwd: work, encoding: 'utf8', env: { ...env, PATH: serverPath }, timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^::error file=main\.cf,line=1,col=1,title=tls-required-on-mx::/);
  });
});
