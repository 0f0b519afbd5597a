// A throwaway real Postfix for tests: own config dir, queue and log, listening on 127.0.0.1 high ports.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync, utimesSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INSTALL_HINT, missingCommands, requireTier } from '../support/tiers.ts';
import { atLeast, distribution, type PostfixRelease } from './releases.ts';

const run = promisify(execFile);

/** True when the real-Postfix tier can run here (throws under CI=true when it cannot). */
export function postfixTierAvailable(): boolean {
  const missing = missingCommands({ postfix: '/usr/sbin/postfix', postconf: '/usr/sbin/postconf', openssl: '/usr/bin/openssl', swaks: '/usr/bin/swaks' });
  if (process.getuid?.() !== 0) missing.push('root privileges (postfix start needs root)');
  return requireTier('postfix', missing, INSTALL_HINT);
}

/**
 * Writes a Postfix config file with a modification time in the past: Postfix programs wait (about two
 * seconds) before reading a main.cf/master.cf changed within the last moment, in case it is still being
 * written. Back-dating keeps every postconf/postfix call in the tests instant.
 */
export function writeConfigFile(path: string, text: string): void {
  writeFileSync(path, text);
  const past = new Date(Date.now() - 60_000);
  utimesSync(path, past, past);
}

/** A free TCP port on 127.0.0.1 (the kernel picks; released before Postfix binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** The unix-domain services every instance needs (the stock master.cf, chroot off unless asked, plus postlog). */
export function stockUnixServices(chrootSmtp = false): string {
  return STOCK_UNIX_SERVICES.replace(/^(smtp +unix +- +- +)n/m, `$1${chrootSmtp ? 'y' : 'n'}`);
}

const STOCK_UNIX_SERVICES = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
tlsproxy  unix  -       -       n       -       0       tlsproxy
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export interface InstanceOptions {
  /** Extra main.cf lines (the TLS settings under test). Use @DIR@ for the instance directory. */
  main?: string;
  /** master.cf lines for listening services. Use @PORT@, @PORT2@, ... and @DIR@. */
  master?: string;
  /** How many listening ports to allocate (@PORT@, @PORT2@, @PORT3@). */
  ports?: number;
  /** myhostname of the instance. */
  hostname?: string;
  /** The installation to run (default: the distribution's Postfix). */
  release?: PostfixRelease;
}

export interface PostfixInstance {
  dir: string;
  release: PostfixRelease;
  /** Path of one of the release's commands: command('postmap'). */
  command(name: string): string;
  ports: number[];
  /** Full text of the instance's log so far. */
  log(): string;
  /** Polls the log until `pattern` matches or the deadline passes (then throws with the log tail). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  postconf(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Creates, configures and starts an instance. Always pair with `await instance.stop()` in afterAll. */
export async function startPostfix(opts: InstanceOptions = {}): Promise<PostfixInstance> {
  const release = opts.release ?? distribution();
  if (!release) throw new Error('no Postfix installation to run (install the postfix package or build the matrix)');
  const dir = mkdtempSync(join(tmpdir(), 'pf-tls-'));
  const ports = await Promise.all(Array.from({ length: opts.ports ?? 1 }, () => freePort()));
  const fill = (text: string) =>
    ports.reduce((t, port, i) => t.replaceAll(i === 0 ? '@PORT@' : `@PORT${i + 1}@`, String(port)), text).replaceAll('@DIR@', dir);

  mkdirSync(join(dir, 'queue'));
  mkdirSync(join(dir, 'data'));
  writeConfigFile(join(dir, 'main.cf'), fill(withoutOverridden(`
${instanceBase(release)}
queue_directory = @DIR@/queue
data_directory = @DIR@/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = ${opts.hostname ?? 'mx.test.example'}
mydomain = test.example
mydestination =
mynetworks = 127.0.0.0/8
maillog_file = @DIR@/maillog
# set-permissions walks postfix-files; skip the doc entries (postfix-doc ships them compressed).
readme_directory = no
html_directory = no
maillog_file_prefixes = /var, /dev/stdout, /tmp
smtpd_banner = $myhostname ESMTP
`, opts.main ?? '')));
  writeConfigFile(join(dir, 'master.cf'), fill(`${opts.master ?? ''}\n${STOCK_UNIX_SERVICES}`));

  await runPostfix(release, dir, 'set-permissions');
  await runPostfix(release, dir, 'start');
  const instance: PostfixInstance = {
    dir,
    release,
    command: (name) => join(release.sbin, name),
    ports,
    ...logWatcher(join(dir, 'maillog')),
    postconf: (...args) => run(join(release.sbin, 'postconf'), ['-c', dir, ...args]),
    async stop() {
      try {
        await runPostfix(release, dir, 'stop');
      } finally {
        // Stray daemons must not outlive the test: kill anything still running from this dir, and the
        // master process (whose command line does not name the dir) with its children.
        spawnSync('pkill', ['-f', `-c ${dir}`]);
        killMaster(join(dir, 'queue/pid/master.pid'));
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  await waitForPort(ports[0]!, 15_000, instance);
  return instance;
}

/**
 * The instance's base main.cf followed by the test's lines, minus the base lines a test sets again: Postfix
 * would use the later value anyway, but it warns about every "overriding earlier entry", and a daemon that
 * logs that warning while its log socket is full (postlogd after a reload) blocks every later command.
 */
function withoutOverridden(base: string, extra: string): string {
  const nameOf = (line: string) => /^([A-Za-z0-9_]+)\s*=/.exec(line)?.[1];
  const setByTest = new Set(extra.split('\n').map(nameOf).filter((n): n is string => n !== undefined));
  return `${base.split('\n').filter((l) => !setByTest.has(nameOf(l) ?? '')).join('\n')}${extra}\n`;
}

/** Kills a master process that survived `postfix stop` (hung daemons), with its children. */
function killMaster(pidFile: string): void {
  const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10) : NaN;
  if (!Number.isInteger(pid) || pid <= 1) return;
  // A stale pid file may name a process that is no longer Postfix's master.
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!/(^|\/)master\0/.test(cmdline)) return;
  spawnSync('pkill', ['-KILL', '-P', String(pid)]);
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
}

/**
 * The main.cf lines every instance of a release starts from: where its programs live, and a compatibility
 * level it understands (3.4 and 3.5 know only the numbered levels 0-2).
 */
export function instanceBase(release: PostfixRelease): string {
  return `compatibility_level = ${atLeast(release, '3.6') ? '3.6' : '2'}\n${release.instanceSettings}`;
}

/** postfix prints start-up errors only to a tty: run it under script(1) so they reach the error. */
export async function runPostfix(release: PostfixRelease, dir: string, command: string): Promise<void> {
  const res = spawnSync('script', ['-qec', `${join(release.sbin, 'postfix')} -c ${dir} ${command}`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) {
    const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8').slice(-1500) : '';
    throw new Error(`postfix ${command} failed (${res.status}): ${res.stdout}${res.stderr}\n${log}`);
  }
}

async function waitForPort(port: number, timeoutMs: number, instance: PostfixInstance): Promise<void> {
  try {
    await waitForListener(port, timeoutMs);
  } catch {
    throw new Error(`Postfix did not listen on 127.0.0.1:${port} within ${timeoutMs} ms; log:\n${instance.log().slice(-2000)}`);
  }
}

/**
 * A plaintext SMTP dialogue with 127.0.0.1:port (optionally from another loopback source address): the
 * greeting, then each command sent after the previous reply is complete; returns every reply.
 */
export function smtpDialogue(port: number, commands: string[], opts: { timeoutMs?: number; localAddress?: string } = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const replies: string[] = [];
    const queue = [...commands];
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`SMTP dialogue timed out; so far: ${replies.join(' | ')}`)); }, opts.timeoutMs ?? 10_000);
    sock.on('data', (chunk) => {
      buf += chunk.toString();
      if (!/(^|\n)\d{3} [^\n]*\r?\n$/.test(buf)) return;
      replies.push(buf);
      buf = '';
      const next = queue.shift();
      if (next === undefined) { clearTimeout(timer); sock.end(); resolve(replies); } else sock.write(`${next}\r\n`);
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Whether a TCP connection to host:port succeeds (within 3 s). */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    const timer = setTimeout(() => { s.destroy(); resolve(false); }, 3_000);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(timer); resolve(false); });
  });
}

/** Waits until something listens on host:port (a daemon, a stand-in), or throws after timeoutMs. */
export async function waitForListener(port: number, timeoutMs = 15_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port, host)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

/** Reading and polling an instance's log file (maillog_file). */
export function logWatcher(file: string): Pick<PostfixInstance, 'log' | 'waitForLog'> {
  const log = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  return {
    log,
    async waitForLog(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = log().match(pattern);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`log did not match ${pattern} within ${timeoutMs} ms; log tail:\n${log().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Runs a command with a hard time limit and returns its output, never throwing on a non-zero exit. */
export async function capture(cmd: string, args: string[], input = '', timeoutMs = 20_000) {
  const res = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: timeoutMs });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/** `openssl s_client -starttls smtp` against a port; extra args e.g. ['-tls1_3']. */
export function starttlsProbe(port: number, extra: string[] = []) {
  return capture('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-brief', '-servername', 'mx.test.example', ...extra], 'QUIT\n');
}
