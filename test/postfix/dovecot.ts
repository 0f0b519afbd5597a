// A throwaway real Dovecot (2.3, Debian's dovecot-core and dovecot-lmtpd) for recipe proofs: its own
// configuration, runtime and state directories, log file and maildirs under a temp dir, listeners on
// 127.0.0.1 only, users from a passwd-file. Started as root with `dovecot -c <file>`; always pair with
// `await instance.stop()` in afterAll.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingCommands, requireTier } from '../support/tiers.ts';

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

/** Waits until something listens on 127.0.0.1:port. */
export async function waitForListener(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
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
  const res = spawnSync(DOVECOT, ['-c', configFile], { encoding: 'utf8', timeout: 30_000 });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const masterPid = () => {
    const f = join(dir, 'run', 'master.pid');
    return existsSync(f) ? Number.parseInt(readFileSync(f, 'utf8'), 10) : undefined;
  };
  const stop = async () => {
    try {
      // `stop` signals the master; wait for it to exit, then make sure it did (by its own pid only).
      const pid = masterPid();
      spawnSync(DOVECOT, ['-c', configFile, 'stop'], { encoding: 'utf8', timeout: 20_000 });
      const deadline = Date.now() + 10_000;
      while (pid && alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  if (res.status !== 0) {
    const why = `${res.stdout}${res.stderr}\n${log()}`;
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
    async waitForLog(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = log().match(pattern);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`Dovecot log did not match ${pattern} within ${timeoutMs} ms; tail:\n${log().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
