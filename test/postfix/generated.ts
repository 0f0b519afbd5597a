// Runs the configuration generator's output (src/lib/generate) on a real Postfix: main.cf is the instance's
// plumbing (directories, log file, the release's program paths) followed by exactly the generated settings,
// master.cf the generated services beside the stock unix services. Only certificate paths, table paths, ports
// and the smart host's address are substituted. Also: a plaintext SMTP stand-in that offers AUTH without
// STARTTLS (to catch a client that would log in without TLS), and a DNSSEC-signed zone served by a local
// validating unbound, for DANE.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateResult } from '../../src/lib/generate/index.ts';
import { capture, freePort, logWatcher, runPostfix, smtpDialogue, stockUnixServices, writeConfigFile, type PostfixInstance } from './harness.ts';

export { canConnect, waitForListener } from './harness.ts';
import { localizeMaster, substitute } from './recipe-blocks.ts';
import type { PostfixRelease } from './releases.ts';

/** The stock master.cf line of the port 25 server (chroot off); localize its port with localizeMaster. */
export const STOCK_SMTPD = 'smtp      inet  n       -       n       -       -       smtpd';

export interface GeneratedInstanceOptions {
  release: PostfixRelease;
  result: GenerateResult;
  /** Literal replacements in the generated main.cf and master.cf text (certificate and table paths, relayhost). */
  replacements?: Record<string, string>;
  /** localizeMaster map for the generated services, e.g. { submission: '127.0.0.1:@PORT2@' }. */
  ports?: Record<string, string>;
  /** Listening ports to allocate (@PORT@, @PORT2@, ...). At least one listener must exist unless 0. */
  portCount?: number;
  /** Stock master.cf lines the generated output relies on (the port 25 server), already localized. */
  stockMaster?: string;
  /** Test plumbing appended after the generated settings: routes and where accepted mail goes. Never TLS. */
  plumbing?: string;
  /** Run the smtp delivery agent chrooted in the queue directory (to give it its own resolv.conf). */
  chrootSmtp?: boolean;
  /** Called with the instance's root (queue in <root>/queue) before start (e.g. to write queue/etc/resolv.conf). */
  prepare?: (dir: string) => void | Promise<void>;
  /** myhostname when the generated settings do not set it. */
  hostname?: string;
}

/** Parameter names a main.cf text sets. */
export function namesSet(mainCf: string): Set<string> {
  return new Set([...mainCf.matchAll(/^([a-z0-9_]+)\s*=/gm)].map((m) => m[1]!));
}

/**
 * Starts a Postfix whose main.cf ends with the generated settings and whose master.cf holds the generated
 * services. The instance's own lines (directories, log, listening address) are left out wherever the
 * generated settings set the same parameter, so `postconf -n` shows each generated value exactly once.
 */
export async function startGenerated(opts: GeneratedInstanceOptions): Promise<PostfixInstance> {
  const { release, result } = opts;
  // As on a real system, the configuration directory is apart from the queue (postfix check expects every
  // file under it to be root's): <root>/conf holds main.cf and master.cf, <root>/queue the queue.
  const root = mkdtempSync(join(tmpdir(), 'pf-gen-'));
  chmodSync(root, 0o755); // the postfix user reaches the queue and data directories through it
  const dir = join(root, 'conf');
  mkdirSync(dir);
  const ports = await Promise.all(Array.from({ length: opts.portCount ?? 1 }, () => freePort()));
  const fill = (text: string) =>
    ports.reduce((t, port, i) => t.replaceAll(i === 0 ? '@PORT@' : `@PORT${i + 1}@`, String(port)), text).replaceAll('@DIR@', root);
  const generatedMain = substitute(result.mainCf, opts.replacements ?? {});
  const generatedMaster = localizeMaster(substitute(result.masterCf, opts.replacements ?? {}), opts.ports ?? {});
  const generatedNames = namesSet(generatedMain);
  const plumbing = [
    ...release.instanceSettings.split('\n'),
    'queue_directory = @DIR@/queue',
    'data_directory = @DIR@/data',
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    `myhostname = ${opts.hostname ?? 'mail.example.com'}`,
    'mydomain = example.com',
    'mydestination =',
    'mynetworks = 127.0.0.0/8',
    'maillog_file = @DIR@/maillog',
    'readme_directory = no',
    'html_directory = no',
    'maillog_file_prefixes = /var, /dev/stdout, /tmp',
    'smtpd_banner = $myhostname ESMTP',
  ].filter((line) => line.trim() && !generatedNames.has(/^([a-z0-9_]+)/.exec(line)?.[1] ?? ''));
  mkdirSync(join(root, 'queue'));
  mkdirSync(join(root, 'data'));
  writeConfigFile(join(dir, 'main.cf'), fill(`# instance plumbing\n${plumbing.join('\n')}\n\n# generated\n${generatedMain}\n${opts.plumbing ? `# test routes\n${opts.plumbing}\n` : ''}`));
  writeConfigFile(join(dir, 'master.cf'), fill(`${opts.stockMaster ?? ''}\n${generatedMaster}\n${stockUnixServices(opts.chrootSmtp ?? false)}`));
  try {
    await opts.prepare?.(root);
    await runPostfix(release, dir, 'set-permissions');
    await runPostfix(release, dir, 'start');
  } catch (e) {
    const log = existsSync(join(root, 'maillog')) ? readFileSync(join(root, 'maillog'), 'utf8').slice(-1500) : '';
    rmSync(root, { recursive: true, force: true });
    throw new Error(`${String(e)}\n${log}`);
  }
  const instance: PostfixInstance = {
    dir,
    release,
    command: (name) => join(release.sbin, name),
    ports,
    ...logWatcher(join(root, 'maillog')),
    postconf: async (...args) => {
      const res = await capture(join(release.sbin, 'postconf'), ['-c', dir, ...args]);
      if (res.status !== 0) throw new Error(`postconf ${args.join(' ')} failed: ${res.stderr}`);
      return { stdout: res.stdout, stderr: res.stderr };
    },
    async stop() {
      try {
        await runPostfix(release, dir, 'stop');
      } finally {
        // A master that outlived "postfix stop" is ended by its own process id, never by name.
        const pid = Number(existsSync(join(root, 'queue', 'pid', 'master.pid')) ? readFileSync(join(root, 'queue', 'pid', 'master.pid'), 'utf8').trim() : 0);
        if (pid > 0) try { process.kill(pid, 0); process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
  // The master process is up once its pid file exists and the first listener (if any) answers.
  const deadline = Date.now() + 15_000;
  while (!existsSync(join(root, 'queue', 'pid', 'master.pid'))) {
    if (Date.now() > deadline) throw new Error(`Postfix did not start; log:\n${instance.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return instance;
}

/**
 * `postfix check` of the instance: its output (empty when it has nothing to say) and exit status. It runs
 * under script(1) because postfix prints its warnings only to a terminal.
 */
export function postfixCheck(pf: PostfixInstance): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile('script', ['-qec', `${pf.command('postfix')} -c ${pf.dir} check`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** `postconf -n` and `postconf -M` of the instance with their warnings (stderr). */
export async function postconfWarnings(pf: PostfixInstance): Promise<{ n: string; warnings: string }> {
  const n = await capture(pf.command('postconf'), ['-c', pf.dir, '-n']);
  const m = await capture(pf.command('postconf'), ['-c', pf.dir, '-M']);
  return { n: n.stdout, warnings: `${n.stderr}${m.stderr}${n.status === 0 && m.status === 0 ? '' : 'postconf failed'}` };
}

/** A plaintext SMTP dialogue with 127.0.0.1:port; returns every reply. */
export function dialogue(port: number, commands: string[], timeoutMs = 10_000): Promise<string[]> {
  return smtpDialogue(port, commands, { timeoutMs });
}

/** What a plaintext connection receives in `ms` milliseconds without sending anything. */
export function silentFor(port: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('error', () => {});
    setTimeout(() => { sock.destroy(); resolve(got); }, ms);
  });
}

// ---------------------------------------------------------------------------------------------------
// A plaintext SMTP server that offers AUTH and no STARTTLS: a client that would send its password without
// TLS shows up in `commands`.

export interface PlainAuthTrap {
  port: number;
  /** Every command received, in order (AUTH lines included verbatim). */
  commands: string[];
  close(): Promise<void>;
}

export async function startPlainAuthTrap(): Promise<PlainAuthTrap> {
  const port = await freePort();
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = '';
    const send = (l: string) => sock.write(`${l}\r\n`);
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        commands.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') { send('250-trap.test.example'); send('250-AUTH PLAIN LOGIN'); send('250 8BITMIME'); }
        else if (verb === 'QUIT') { send('221 2.0.0 Bye'); sock.end(); }
        else if (verb === 'AUTH') send('535 5.7.8 trap');
        else send('250 2.0.0 Ok');
      }
    });
    send('220 trap.test.example ESMTP');
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve()); });
  return { port, commands, close: () => new Promise<void>((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }) };
}

// ---------------------------------------------------------------------------------------------------
// DNSSEC-signed zones served by a local validating resolver: each zone is signed with ldns-signzone under
// fresh keys, unbound serves it from an auth-zone as if fetched from upstream and validates it against its
// key-signing key (the trust anchor), so answers carry the AD bit. Nothing else resolves (the root is refused).

export interface SignedZone {
  /** 127.0.0.x address unbound listens on (port 53: resolv.conf cannot name another port). */
  address: string;
  /** resolv.conf text pointing at it, with glibc's trust-ad so the AD bit reaches the application. */
  resolvConf: string;
  close(): Promise<void>;
}

/** True when unbound and ldnsutils (ldns-keygen, ldns-signzone, drill) are installed. */
export function signedZoneAvailable(): boolean {
  return ['/usr/sbin/unbound', '/usr/bin/ldns-keygen', '/usr/bin/ldns-signzone', '/usr/bin/drill'].every((p) => existsSync(p));
}

/** A 127.0.0.x address whose UDP and TCP port 53 are free (x from 2 to 254, tried in a pid-dependent order). */
async function freeDnsAddress(): Promise<string> {
  for (let i = 0; i < 253; i++) {
    const address = `127.0.0.${2 + ((process.pid + i * 37) % 253)}`;
    const udp = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => { s.close(); resolve(false); });
      s.bind(53, address, () => s.close(() => resolve(true)));
    });
    if (!udp) continue;
    const tcp = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(53, address, () => s.close(() => resolve(true)));
    });
    if (tcp) return address;
  }
  throw new Error('no 127.0.0.x address with a free port 53');
}

function run(cmd: string, args: string[], cwd: string): string {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout.trim();
}

/**
 * Signs each zone (origin -> zone file lines relative to it, e.g. "mx IN A 127.0.0.1") with its own keys and
 * serves them all, validated, from one unbound.
 */
export async function startSignedZones(zones: Record<string, string[]>): Promise<SignedZone> {
  const work = mkdtempSync(join(tmpdir(), 'pf-dnssec-'));
  const served = Object.entries(zones).map(([origin, records], i) => {
    const zone = join(work, `zone${i}`);
    writeFileSync(zone, [`$ORIGIN ${origin}.`, '$TTL 300',
      `@ IN SOA ns.${origin}. hostmaster.${origin}. 1 3600 600 86400 300`, `@ IN NS ns.${origin}.`, 'ns IN A 127.0.0.1', ...records, ''].join('\n'));
    const ksk = run('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', origin], work);
    const zsk = run('ldns-keygen', ['-a', 'ECDSAP256SHA256', origin], work);
    run('ldns-signzone', ['-n', '-f', `${zone}.signed`, zone, zsk, ksk], work);
    return { origin, file: `${zone}.signed`, anchor: join(work, `${ksk}.key`) };
  });
  const address = await freeDnsAddress();
  const conf = join(work, 'unbound.conf');
  writeFileSync(conf, `server:
  interface: ${address}
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${work}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  trust-anchor-signaling: no
  # Nothing outside the test zones is looked up: no query ever leaves the machine.
  local-zone: "." refuse
${served.map((z) => `  trust-anchor-file: "${z.anchor}"\n  local-zone: "${z.origin}." transparent\n`).join('')}${served.map((z) => `auth-zone:
  name: "${z.origin}."
  zonefile: "${z.file}"
  for-upstream: yes
  for-downstream: no
  fallback-enabled: no
`).join('')}`);
  const child: ChildProcess = spawn('/usr/sbin/unbound', ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => { output += d.toString(); });
  child.stderr?.on('data', (d) => { output += d.toString(); });
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 3_000); });
    }
    rmSync(work, { recursive: true, force: true });
  };
  // Ready when a validated answer (AD) for each zone's SOA comes back.
  const deadline = Date.now() + 15_000;
  for (const { origin } of served) {
    for (;;) {
      const res = spawnSync('drill', ['-D', `@${address}`, 'SOA', `${origin}.`], { encoding: 'utf8', timeout: 5_000 });
      if (/flags:[^;]*\bad\b/.test(res.stdout ?? '')) break;
      if (Date.now() > deadline || child.exitCode !== null) {
        await close();
        throw new Error(`unbound did not serve a validated ${origin}: ${res.stdout}${res.stderr}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { address, resolvConf: `nameserver ${address}\noptions trust-ad\n`, close };
}

/** SHA-256 of a certificate's public key (the TLSA 3 1 1 digest), hex without colons. */
export function spkiSha256(certFile: string): string {
  const res = spawnSync('sh', ['-c', `openssl x509 -in '${certFile}' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r`], { encoding: 'utf8', timeout: 10_000 });
  const m = /^([0-9a-f]{64})/.exec(res.stdout);
  if (!m) throw new Error(`no public-key digest for ${certFile}: ${res.stderr}`);
  return m[1]!;
}

