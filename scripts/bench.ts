/**
 * npm run bench: parse+check throughput of the engine, next to what Postfix's own parser (postconf -n)
 * costs on the same input in the same run. Prints a small table; numbers are CPU time.
 *
 *   synthetic  a generated 10 000-line main.cf (TLS settings, custom parameters, comments, continuations)
 *   corpus     every file of test/corpus, checked project by project
 *   processes  one `postfix-tls check` process against one `postconf -n` process on the synthetic file
 *   start-up   the installed CLI on the machine's Node against /usr/sbin/postconf -c DIR -n on a 16-line main.cf
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from '../src/lib/check.ts';
import { stockMasterCf } from '../src/lib/config/stock-master-cf.ts';
import type { FileKind, InputFile } from '../src/lib/engine-types.ts';
import { factsDataFromContent, factsFromData } from '../src/lib/facts.ts';
import { buildCli } from './build-cli.ts';
import { loadContentDir } from '../src/lib/content-lint/content-dir.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = join(root, 'test', 'corpus');

/** A large but plausible main.cf: every line type the parser handles, no two settings alike. */
function syntheticMainCf(lines: number): string {
  const out: string[] = [
    '# synthetic main.cf for the benchmark',
    'compatibility_level = 3.6',
    'smtpd_tls_chain_files =',
    '    /etc/letsencrypt/live/mail.example.com/privkey.pem,',
    '    /etc/letsencrypt/live/mail.example.com/fullchain.pem',
    'smtpd_tls_security_level = may',
    'smtpd_tls_auth_only = yes',
    'smtpd_tls_mandatory_protocols = >=TLSv1.2',
    'smtp_tls_security_level = may',
    'smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt',
    'smtp_tls_policy_maps = hash:/etc/postfix/tls_policy',
  ];
  let i = 0;
  while (out.length < lines) {
    switch (i % 5) {
      case 0: out.push(`# section ${i}: restrictions for class ${i}`); break;
      case 1: out.push(`restriction_class_${i} = check_client_access hash:/etc/postfix/access_${i},`, `    permit_mynetworks, reject_unauth_destination`); break;
      case 2: out.push(`transport_${i}_destination_concurrency_limit = ${i % 20 + 1}`); break;
      case 3: out.push(`header_map_${i} = pcre:/etc/postfix/header_checks_${i}.pcre`); break;
      default: out.push(`smtpd_restriction_note_${i} = $restriction_class_${i - 3}`); break;
    }
    i++;
  }
  return `${out.slice(0, lines).join('\n')}\n`;
}

/**
 * CPU seconds (user+system) of one run of a child process. /usr/bin/time counts in 10 ms steps, so the
 * command runs `times` times in a shell loop and the total is divided; without /usr/bin/time, wall time.
 */
function childCpu(cmd: string, args: string[], times = 1): { cpu: number; ok: boolean } {
  const ok = spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  if (existsSync('/usr/bin/time')) {
    const loop = `for i in $(seq ${times}); do "$0" "$@" >/dev/null 2>&1; done`;
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sh', '-c', loop, cmd, ...args], { encoding: 'utf8' });
    const m = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr ?? '');
    return { cpu: m ? (Number(m[1]) + Number(m[2])) / times : NaN, ok };
  }
  const t0 = performance.now();
  for (let i = 0; i < times; i++) spawnSync(cmd, args, { stdio: 'ignore' });
  return { cpu: (performance.now() - t0) / 1000 / times, ok };
}

/** CPU seconds per call of fn, over enough repetitions to be stable. */
function cpuPerRun(fn: () => void, minSeconds = 1): number {
  fn();
  let runs = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < minSeconds) {
    fn();
    runs++;
    const d = process.cpuUsage(start);
    used = (d.user + d.system) / 1e6;
  }
  return used / runs;
}

/** Wall-clock milliseconds of one run of a command, output discarded. */
function wallMs(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  spawnSync(cmd, args, { stdio: 'ignore', env: env ?? process.env });
  return performance.now() - t0;
}

/** `runs` wall times of each command, the commands taking turns run after run (after one warm-up each). */
function interleavedWallTimes(commands: readonly (readonly [string, readonly string[], NodeJS.ProcessEnv?])[], runs: number): number[][] {
  for (const [cmd, args, env] of commands) wallMs(cmd, args, env);
  const times = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) commands.forEach(([cmd, args, env], j) => times[j]!.push(wallMs(cmd, args, env)));
  return times;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const STARTUP_RUNS = 31;
const postconfPath = '/usr/sbin/postconf';
/** The CLI runs on the machine's Node (Debian's 20) when there is one: that is what an admin has. */
const cliNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p)) ?? process.execPath;
const cliNodeVersion = spawnSync(cliNode, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
const startupRows: string[][] = [];

const { content } = await loadContentDir(root);
const facts = factsFromData(factsDataFromContent(content));
const hasPostconf = spawnSync('postconf', ['-d', 'mail_version'], { encoding: 'utf8' }).status === 0;
const postconfVersion = hasPostconf ? spawnSync('postconf', ['-d', 'mail_version'], { encoding: 'utf8' }).stdout.trim() : 'not installed';

const work = mkdtempSync(join(tmpdir(), 'postfix-tls-bench-'));
const rows: string[][] = [];
try {
  // Synthetic 10 000-line main.cf.
  const synthetic = syntheticMainCf(10_000);
  const bytes = Buffer.byteLength(synthetic);
  const engine = cpuPerRun(() => check({ files: [{ name: 'main.cf', kind: 'main', text: synthetic }], facts }));
  writeFileSync(join(work, 'main.cf'), synthetic);
  writeFileSync(join(work, 'master.cf'), stockMasterCf);
  const pc = hasPostconf ? childCpu('postconf', ['-c', work, '-n'], 20).cpu : NaN;
  rows.push(['synthetic main.cf (10 000 lines)', `${(bytes / 1024).toFixed(0)} KiB`, `${(engine * 1000).toFixed(1)} ms`, `${(bytes / 1e6 / engine).toFixed(1)} MB/s`,
    hasPostconf ? `${(pc * 1000).toFixed(1)} ms` : 'n/a', hasPostconf ? `${(engine / pc).toFixed(1)}x` : 'n/a']);

  // The corpus, project by project.
  if (existsSync(corpusDir)) {
    const projects = readdirSync(corpusDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    const kindOf = (f: string): FileKind => (/master|amavis/.test(f) ? 'master' : /main|tls\.j2/.test(f) ? 'main' : 'policy');
    const sets: InputFile[][] = projects.map((p) => readdirSync(join(corpusDir, p)).map((f) => ({ name: f, kind: kindOf(f), text: readFileSync(join(corpusDir, p, f), 'utf8') })));
    const corpusBytes = sets.flat().reduce((n, f) => n + Buffer.byteLength(f.text), 0);
    const corpusEngine = cpuPerRun(() => { for (const files of sets) check({ files, facts }); });
    // postconf only reads plain main.cf files; templates make it stop at the first {% ... %} line.
    let pcTotal = 0;
    let parsed = 0;
    let mains = 0;
    if (hasPostconf) {
      for (const files of sets) {
        for (const f of files.filter((x) => x.kind === 'main')) {
          mains++;
          const dir = mkdtempSync(join(work, 'c-'));
          writeFileSync(join(dir, 'main.cf'), f.text);
          writeFileSync(join(dir, 'master.cf'), stockMasterCf);
          const r = childCpu('postconf', ['-c', dir, '-n'], 10);
          if (r.ok) { pcTotal += r.cpu; parsed++; }
        }
      }
    }
    rows.push([`corpus (${sets.flat().length} files, ${projects.length} projects)`, `${(corpusBytes / 1024).toFixed(0)} KiB`, `${(corpusEngine * 1000).toFixed(1)} ms`,
      `${(corpusBytes / 1e6 / corpusEngine).toFixed(1)} MB/s`, hasPostconf ? `${(pcTotal * 1000).toFixed(1)} ms for ${parsed}/${mains} main.cf` : 'n/a', 'n/a (templates)']);
  }

  // Whole processes: the published CLI as npm installs it (launcher + bundle, no src/ beside it) on the machine's
  // Node, beside postconf.
  const pkg = join(work, 'package');
  // The CLI's code cache goes to this run's folder, not the user's ~/.cache.
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  copyFileSync(join(root, 'bin/postfix-tls.cjs'), join(pkg, 'bin/postfix-tls.cjs'));
  await buildCli(join(pkg, 'build/postfix-tls.cjs'));
  const cliArgs = (...args: string[]) => [join(pkg, 'bin/postfix-tls.cjs'), 'check', ...args];
  const cli = childCpu(cliNode, cliArgs('--main', join(work, 'main.cf')), 5).cpu;
  rows.push(['process: postfix-tls check, synthetic file', '', `${(cli * 1000).toFixed(0)} ms`, '', hasPostconf ? `${(pc * 1000).toFixed(0)} ms` : 'n/a', hasPostconf ? `${(cli / pc).toFixed(1)}x` : 'n/a']);

  // Start-up: one process on the 16-line main.cf against /usr/sbin/postconf -c DIR -n on the same file, wall time,
  // runs interleaved so that a busy machine slows both alike.
  const small = join(root, 'test/fixtures/rules/clean--tutorial/main.cf');
  const smallDir = mkdtempSync(join(work, 's-'));
  writeFileSync(join(smallDir, 'main.cf'), readFileSync(small, 'utf8'));
  writeFileSync(join(smallDir, 'master.cf'), stockMasterCf);
  const startupCommands: [string, string, string[], NodeJS.ProcessEnv?][] = [
    [`postfix-tls check (package, Node ${cliNodeVersion})`, cliNode, cliArgs(join(smallDir, 'main.cf'))],
    [`  the same without the code cache (a first run)`, cliNode, cliArgs(join(smallDir, 'main.cf')), { ...process.env, POSTFIX_TLS_NO_CODE_CACHE: '1' }],
    [`empty Node ${cliNodeVersion} process (node -e 0), the floor`, cliNode, ['-e', '0']],
  ];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    // Node 20 reads the whole NODE_EXTRA_CA_CERTS bundle at start-up, before any of the CLI's code runs.
    const { NODE_EXTRA_CA_CERTS: _unused, ...without } = process.env;
    startupCommands.push(
      [`postfix-tls check, NODE_EXTRA_CA_CERTS unset`, cliNode, cliArgs(join(smallDir, 'main.cf')), without],
      [`empty Node process, NODE_EXTRA_CA_CERTS unset`, cliNode, ['-e', '0'], without],
    );
  }
  if (existsSync(postconfPath)) {
    const times = interleavedWallTimes([[postconfPath, ['-c', smallDir, '-n']], ...startupCommands.map(([, cmd, args, env]) => [cmd, args, env] as const)], STARTUP_RUNS);
    const base = median(times[0]!);
    startupRows.push([`${postconfPath} -c DIR -n`, `${base.toFixed(1)} ms`, '1.0x']);
    startupCommands.forEach(([label], i) => {
      const m = median(times[i + 1]!);
      startupRows.push([label, `${m.toFixed(1)} ms`, `${(m / base).toFixed(1)}x`]);
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** A header row, a rule and the rows, each column as wide as its widest cell. */
function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [head, widths.map((w) => '-'.repeat(w)), ...body].map(line).join('\n');
}

console.log(`postfix-tls bench (Node ${process.version}, postconf ${postconfVersion}; CPU time = user + system)\n`);
console.log(table(['input', 'size', 'engine CPU', 'engine', 'postconf -n CPU', 'engine/postconf'], rows));
console.log('\npostconf -n parses main.cf and prints the non-default settings; the engine also expands values and runs every rule.');
if (startupRows.length > 0) {
  console.log(`\n${table(['start-up, 16-line main.cf', `wall time (median of ${STARTUP_RUNS})`, 'vs postconf'], startupRows)}`);
  console.log('Each process is timed from spawn to exit, the commands taking turns; the empty Node process is the floor no Node program goes below.');
}
