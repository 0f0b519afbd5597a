// A throwaway real Dovecot (2.3, Debian's dovecot-core and dovecot-lmtpd) for recipe proofs: its own
// configuration, runtime and state directories, log file and maildirs under a temp dir, listeners on
// 127.0.0.1 only, users from a passwd-file. Started as root with `dovecot -c <file>`; always pair with
// `await instance.stop()` in afterAll.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingCommands, requireTier } from '../support/tiers.ts';
import { logWatcher, waitForListener } from './harness.ts';

export const DOVECOT = '/usr/sbin/dovecot';
export const DOVEADM = '/usr/bin/doveadm';
/** The unprivileged owner of the test maildirs (Dovecot refuses to deliver as root). */
const MAIL_UID = 65534;
const MAIL_GID = 65534;

/** True when a real Dovecot with LMTP can run here (a failure under CI=true when it cannot). */
export function dovecotAvailable(): boolean {
  const missing = missingCommands({ 'dovecot (dovecot-core)': DOVECOT, doveadm: DOVEADM, 'dovecot lmtp (dovecot-lmtpd)': '/usr/lib/dovecot/lmtp' });
  return requireTier('postfix (Dovecot recipes)', missing, 'Run `bash scripts/install-test-deps.sh` as root (installs dovecot-core and dovecot-lmtpd).');
}

export interface DovecotOptions {
  /** Mail users: address and plaintext password (stored as {PLAIN} in the passwd-file). */
  users: { user: string; password: string }[];
  /**
   * Configuration appended after the base settings (the recipe's Dovecot blocks, adapted). The base sets
   * `ssl = no`; a later `ssl = ...` line overrides it. Use @DIR@ for the instance directory.
   */
  config?: string;
}

export interface DovecotInstance {
  dir: string;
  /** The configuration file to pass as `-c`. */
  configFile: string;
  /** Full text of Dovecot's log so far. */
  log(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Files delivered to a user's INBOX (maildir new/ and cur/), full paths. */
  messages(user: string): string[];
  /** Waits until the user's INBOX holds at least `n` messages; returns their paths. */
  waitForMessages(user: string, n: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Writes the configuration, starts Dovecot and waits for each port in `waitPorts` to accept connections.
 * A configuration error fails here with Dovecot's own message.
 */
export async function startDovecot(opts: DovecotOptions, waitPorts: number[] = []): Promise<DovecotInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'dovecot-'));
  chmodSync(dir, 0o755); // Dovecot's unprivileged processes must reach the runtime directory
  for (const sub of ['run', 'state']) mkdirSync(join(dir, sub));
  const mail = join(dir, 'mail');
  mkdirSync(mail);
  chownSync(mail, MAIL_UID, MAIL_GID);
  const users = join(dir, 'users');
  writeFileSync(users, opts.users.map((u) => `${u.user}:{PLAIN}${u.password}:${MAIL_UID}:${MAIL_GID}::${mail}/${u.user}\n`).join(''));
  const configFile = join(dir, 'dovecot.conf');
  const logFile = join(dir, 'dovecot.log');
  writeFileSync(configFile, `# throwaway test instance
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${logFile}
instance_name = dovecot-${dir.split('-').at(-1)}
protocols = lmtp
listen = 127.0.0.1
ssl = no
# Answer a failed login at once (the default holds it for two seconds).
auth_failure_delay = 0
mail_location = maildir:${mail}/%d/%n/Maildir
passdb {
  driver = passwd-file
  args = ${users}
}
userdb {
  driver = passwd-file
  args = ${users}
}
${(opts.config ?? '').replaceAll('@DIR@', dir)}
`);
  // The master daemonizes but keeps the descriptors it was given: with pipes, spawnSync would wait for
  // them to close (until its timeout). Its start-up output goes to a file instead.
  const startOut = join(dir, 'start.out');
  const outFd = openSync(startOut, 'w');
  let res;
  try {
    res = spawnSync(DOVECOT, ['-c', configFile], { stdio: ['ignore', outFd, outFd], timeout: 30_000 });
  } finally {
    closeSync(outFd);
  }
  const { log, waitForLog } = logWatcher(logFile);
  const masterPid = () => {
    const f = join(dir, 'run', 'master.pid');
    return existsSync(f) ? Number.parseInt(readFileSync(f, 'utf8'), 10) : undefined;
  };
  const stop = async () => {
    try {
      // The master runs in its own session, and every process of this instance (anvil, log, config, auth,
      // lmtp) is in its process group: signal that group by the master's pid (what `dovecot stop` does to
      // the master alone, without its wait), then wait until none of them runs. An exited process that
      // PID 1 has not reaped yet counts as gone.
      const pid = masterPid() ?? (await waitForPid(masterPid, 2_000));
      // Only this instance's master (its command line names this configuration file).
      if (pid === undefined || !commandLine(pid).includes(configFile)) return;
      const group = processGroup(pid) === pid;
      const running = () => (group ? groupMembers(pid).length > 0 : alive(pid));
      signal(pid, group, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (running()) signal(pid, group, 'SIGKILL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  if (res.status !== 0) {
    const why = `${existsSync(startOut) ? readFileSync(startOut, 'utf8') : ''}\n${log()}`;
    await stop();
    throw new Error(`dovecot -c ${configFile} failed (${res.status}): ${why}`);
  }
  const maildir = (user: string) => {
    const [local, domain] = user.split('@');
    return join(mail, domain!, local!, 'Maildir');
  };
  const messages = (user: string) => ['new', 'cur'].flatMap((sub) => {
    const d = join(maildir(user), sub);
    return existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : [];
  });
  const instance: DovecotInstance = {
    dir,
    configFile,
    log,
    waitForLog,
    messages,
    async waitForMessages(user, n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages(user).length < n) {
        if (Date.now() > deadline) throw new Error(`${user} has ${messages(user).length} < ${n} messages; Dovecot log tail:\n${log().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return messages(user);
    },
    stop,
  };
  try {
    for (const port of waitPorts) await waitForListener(port);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}; Dovecot log:\n${log()}`);
  }
  return instance;
}

/** The state letter and process group of a process from /proc/<pid>/stat, or undefined when it is gone. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function processGroup(pid: number): number | undefined {
  return procStat(pid)?.pgrp;
}

/** Running (not zombie) processes of a process group. */
function groupMembers(pgrp: number): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => {
    const st = procStat(p);
    return st !== undefined && st.pgrp === pgrp && st.state !== 'Z';
  });
}

function alive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z';
}

function signal(pid: number, group: boolean, sig: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    // already gone
  }
}

/** Polls for the master's pid file (written just after start-up). */
async function waitForPid(read: () => number | undefined, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let pid = read();
  while (pid === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    pid = read();
  }
  return pid;
}
