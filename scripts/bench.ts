/**
 * npm run bench: parse+check throughput of the engine, next to what Postfix's own parser (postconf -n)
 * costs on the same input in the same run. Prints a small table; numbers are CPU time.
 *
 *   synthetic  a generated 10 000-line main.cf (TLS settings, custom parameters, comments, continuations)
 *   corpus     every file of ../shared/corpus, checked project by project
 *   processes  one `postfix-tls check` process against one `postconf -n` process on the synthetic file
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from '../src/lib/check.ts';
import { stockMasterCf } from '../src/lib/config/stock-master-cf.ts';
import type { FileKind, InputFile } from '../src/lib/engine-types.ts';
import { factsDataFromContent, factsFromData } from '../src/lib/facts.ts';
import { loadContentDir } from './lib/content-files.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = join(root, '..', 'shared', 'corpus');

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

  // Whole processes on the synthetic file.
  const cli = childCpu(join(root, 'node_modules/.bin/node'), [join(root, 'bin/postfix-tls.js'), 'check', '--main', join(work, 'main.cf')], 5).cpu;
  const small = join(root, 'test/fixtures/rules/clean--tutorial/main.cf');
  const cliSmall = childCpu(join(root, 'node_modules/.bin/node'), [join(root, 'bin/postfix-tls.js'), 'check', small], 5).cpu;
  const pcSmallDir = mkdtempSync(join(work, 's-'));
  writeFileSync(join(pcSmallDir, 'main.cf'), readFileSync(small, 'utf8'));
  writeFileSync(join(pcSmallDir, 'master.cf'), stockMasterCf);
  const pcSmall = hasPostconf ? childCpu('postconf', ['-c', pcSmallDir, '-n'], 40).cpu : NaN;
  const pcBig = pc;
  rows.push(['process: postfix-tls check, synthetic file', '', `${(cli * 1000).toFixed(0)} ms`, '', hasPostconf ? `${(pcBig * 1000).toFixed(0)} ms` : 'n/a', hasPostconf ? `${(cli / pcBig).toFixed(1)}x` : 'n/a']);
  rows.push(['process: postfix-tls check, 16-line main.cf', '', `${(cliSmall * 1000).toFixed(0)} ms`, '', hasPostconf ? `${(pcSmall * 1000).toFixed(0)} ms` : 'n/a', hasPostconf ? `${(cliSmall / pcSmall).toFixed(1)}x` : 'n/a']);
} finally {
  rmSync(work, { recursive: true, force: true });
}

const header = ['input', 'size', 'engine CPU', 'engine', 'postconf -n CPU', 'engine/postconf'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
console.log(`postfix-tls bench (Node ${process.version}, postconf ${postconfVersion}; CPU time = user + system)\n`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log('\npostconf -n parses main.cf and prints the non-default settings; the engine also expands values and runs every rule.');
