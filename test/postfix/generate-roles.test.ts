// The configuration generator's output, role by role, on real Postfix releases: the oldest and newest matrix
// release each role supports and Debian's package. Each instance runs exactly the generated main.cf settings
// and master.cf services (test/postfix/generated.ts); only certificate and table paths, ports, host names and
// the smart host's address are substituted. The behaviour each role promises is asserted by real handshakes.
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type GenerateOptions, type GenerateResult, type Role } from '../../src/lib/generate/index.ts';
import type { Facts } from '../../src/lib/facts.ts';
import { realFacts } from '../support/content.ts';
import { createPki, type TestPki } from './certs.ts';
import { runAsync as run, startFakeDovecotAuth } from './dovecot-auth.ts';
import {
  canConnect, dialogue, postconfWarnings, postfixCheck, signedZoneAvailable, silentFor, spkiSha256, startGenerated,
  startPlainAuthTrap, startSignedZones, STOCK_SMTPD, waitForListener, type PlainAuthTrap, type SignedZone,
} from './generated.ts';
import { capture, postfixTierAvailable, type PostfixInstance } from './harness.ts';
import { installPolicy, sendmailInject, startSaslRelay, startSinks, startSocketmap, tlsLineFor, waitForRecipient, waitForTlsLine, type SaslRelay, type Sinks, type SocketmapServer } from './outbound.ts';
import { localizeMaster } from './recipe-blocks.ts';
import { atLeast, testReleases, type PostfixRelease } from './releases.ts';

const enabled = postfixTierAvailable();
const facts: Facts | undefined = enabled ? await realFacts() : undefined;

const HOST = 'mail.example.com';
const USER = 'alice@example.com';
const PASSWORD = 'correct horse';
const RELAY_USER = 'relay-user@example.com';
const RELAY_PASSWORD = 'relay secret';
/** The machine's OpenSSL, which every release here is linked with. */
const OPENSSL = '3.0';

/** What each case generates: a role (or roles), a profile and, for relay, the smart host's port. */
interface Case {
  id: string;
  roles: Role[];
  profile?: 'compatible' | 'strict';
  relayhost?: string;
}
const CASES: Case[] = [
  { id: 'mx', roles: ['mx'] },
  { id: 'dane-inbound', roles: ['mx', 'dane-inbound'] },
  { id: 'submission', roles: ['submission'] },
  { id: 'submissions', roles: ['submissions'] },
  { id: 'server-strict', roles: ['mx', 'submission', 'submissions'], profile: 'strict' },
  { id: 'relay-587', roles: ['relay'], relayhost: '[smtp.example.com]:587' },
  { id: 'relay-465', roles: ['relay'], relayhost: '[smtp.example.com]:465' },
  { id: 'relay-strict', roles: ['relay'], relayhost: '[smtp.example.com]:587', profile: 'strict' },
  { id: 'send-only', roles: ['send-only'] },
  { id: 'dane', roles: ['dane'] },
  { id: 'mta-sts', roles: ['mta-sts'] },
];

/** The generator's output for a case on a release: the release's own version and fresh-install level, OpenSSL 3.0. */
function generated(c: Case, release: PostfixRelease): GenerateResult {
  const options: GenerateOptions = { roles: c.roles, postfix: release.version, openssl: OPENSSL, profile: c.profile, relayhost: c.relayhost };
  return generate(facts!, options);
}

/**
 * The releases a case runs on: the oldest and newest matrix release the generator supports for it, and the
 * distribution's package. POSTFIX_RELEASES narrows testReleases() as everywhere in this tier.
 */
function releasesOf(c: Case): PostfixRelease[] {
  const supported = testReleases().filter((r) => generated(c, r).errors.length === 0);
  const matrix = supported.filter((r) => !r.distribution);
  const picked = new Set([matrix[0], matrix[matrix.length - 1], supported.find((r) => r.distribution)].filter((r): r is PostfixRelease => r !== undefined));
  return [...picked];
}

const releases = enabled ? testReleases().filter((r) => CASES.some((c) => releasesOf(c).includes(r))) : [];
const runs = (id: string, release: PostfixRelease) => releasesOf(CASES.find((c) => c.id === id)!).includes(release);

/** openssl s_client with STARTTLS (or implicit TLS when `starttls` is false); extra args e.g. ['-tls1_3']. */
const probe = (port: number, args: string[], starttls = true) =>
  run('openssl', ['s_client', ...(starttls ? ['-starttls', 'smtp'] : []), '-connect', `127.0.0.1:${port}`, '-brief', '-servername', HOST, ...args]);
const swaks = (port: number, args: string[]) =>
  run('swaks', ['--server', `127.0.0.1:${port}`, '--ehlo', 'client.test', '--from', USER, '--to', 'bob@remote.example', ...args], 30_000);
/**
 * OpenSSL 3.0 refuses TLS 1.0 and 1.1 on the client side at its default security level 1 (their handshakes
 * sign with SHA-1 and MD5); security level 0 lets s_client offer them, as an old sending MTA would.
 */
const OLD_TLS = ['-cipher', 'DEFAULT:@SECLEVEL=0'];

describe.runIf(enabled && facts !== undefined).each(releases)('generated configuration on Postfix $label', (release) => {
  let work = '';
  let pki: TestPki;
  const results = new Map<string, GenerateResult>();
  /** Every instance running a generated configuration, by case id (cases with the same output share one). */
  const instances = new Map<string, PostfixInstance>();
  const started: PostfixInstance[] = [];
  const auth: Server[] = [];
  let sinks: Sinks | undefined;
  let relay587: SaslRelay | undefined;
  let relay465: SaslRelay | undefined;
  let relayStrict: SaslRelay | undefined;
  let relayWrongName: SaslRelay | undefined;
  let trap: PlainAuthTrap | undefined;
  let sts: SocketmapServer | undefined;
  let zone: SignedZone | undefined;
  let zoneProblem = '';
  let sinkTls = 0, sinkPlain = 0, sinkSts = 0, sinkEvil = 0;
  const result = (id: string) => results.get(id)!;
  const instance = (id: string) => instances.get(id)!;

  /** Server roles: the port 25 listener (stock master.cf line) on @PORT@, 587 on @PORT2@, 465 on @PORT3@. */
  const serverPorts = { smtp: '127.0.0.1:@PORT@', submission: '127.0.0.1:@PORT2@', submissions: '127.0.0.1:@PORT3@' };
  const port = (id: string, service: 'smtp' | 'submission' | 'submissions') => instance(id).ports[{ smtp: 0, submission: 1, submissions: 2 }[service]]!;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-generate-'));
    pki = createPki(work);
    const server = pki.server(HOST);
    for (const c of CASES) if (runs(c.id, release)) results.set(c.id, generated(c, release));
    for (const [id, r] of results) expect(r.errors, id).toEqual([]);
    const certPaths = {
      [`/etc/letsencrypt/live/${HOST}/privkey.pem`]: server.key,
      [`/etc/letsencrypt/live/${HOST}/fullchain.pem`]: server.cert,
      '/etc/ssl/certs/ca-certificates.crt': pki.caCert,
    };
    const postfixUid = Number((await capture('id', ['-u', 'postfix'])).stdout.trim());

    // Server cases: one instance per distinct main.cf; its master.cf holds every generated service of the
    // cases sharing that main.cf, plus the stock port 25 listener.
    const serverCases = ['mx', 'dane-inbound', 'submission', 'submissions', 'server-strict'].filter((id) => results.has(id));
    const groups = new Map<string, string[]>();
    for (const id of serverCases) groups.set(result(id).mainCf, [...(groups.get(result(id).mainCf) ?? []), id]);
    const serverStarts = [...groups.values()].map(async (ids) => {
      const services = [...new Set(ids.map((id) => result(id).masterCf))].join('');
      const pf = await startGenerated({
        release,
        result: { ...result(ids[0]!), masterCf: services },
        replacements: certPaths,
        ports: serverPorts,
        portCount: 3,
        stockMaster: localizeMaster(STOCK_SMTPD, serverPorts),
        // Mail a client hands over is accepted and discarded: nothing leaves the machine.
        plumbing: 'default_transport = discard:generated-test\nrelay_transport = discard:generated-test',
        // smtpd_sasl_path = private/auth: the Dovecot auth stand-in listens there, owned by postfix as
        // Dovecot's unix_listener would make it.
        prepare: async (dir) => {
          mkdirSync(join(dir, 'queue', 'private'), { recursive: true });
          const path = join(dir, 'queue', 'private', 'auth');
          auth.push(await startFakeDovecotAuth(path, USER, PASSWORD));
          chownSync(path, postfixUid, -1);
        },
      });
      started.push(pf);
      for (const id of ids) instances.set(id, pf);
      await Promise.all([waitForListener(pf.ports[0]!),
        ...(services.includes('\nsubmission ') ? [waitForListener(pf.ports[1]!)] : []),
        ...(services.includes('\nsubmissions ') ? [waitForListener(pf.ports[2]!)] : [])]);
    });

    // Receivers for the client roles: STARTTLS with the CA's certificate, plaintext only, and two names for MTA-STS.
    const sinkStart = (async () => {
      if (!['send-only', 'dane', 'mta-sts'].some((id) => results.has(id))) return;
      sinks = await startSinks([{ tls: pki.server('mx.test.example') }, {}, { tls: pki.server('mx.sts.example') }, { tls: pki.server('mx.evil.example') }], undefined, release);
      [sinkTls, sinkPlain, sinkSts, sinkEvil] = sinks.ports as [number, number, number, number];
    })();
    const relayStart = (async () => {
      const cert = pki.server('smtp.example.com');
      relay587 = await startSaslRelay({ ...cert, user: RELAY_USER, password: RELAY_PASSWORD, mode: 'starttls' });
      relay465 = await startSaslRelay({ ...cert, user: RELAY_USER, password: RELAY_PASSWORD, mode: 'implicit' });
      // secure level: the certificate must name the smart host (smtp.example.com, found through the signed zone).
      relayStrict = await startSaslRelay({ ...cert, user: RELAY_USER, password: RELAY_PASSWORD, mode: 'starttls' });
      // The same smart host name answered by a server whose certificate (same CA) names another host.
      relayWrongName = await startSaslRelay({ ...pki.server('other.test.example'), user: RELAY_USER, password: RELAY_PASSWORD, mode: 'starttls' });
      trap = await startPlainAuthTrap();
    })();
    await Promise.all([sinkStart, relayStart]);

    // DNS the client roles can look up: dane.test is where outbound DANE is proven (good.dane.test's MX has
    // the sink's key in TLSA, bad.dane.test's MX another key, none.dane.test's MX no TLSA record), and
    // example.com holds the smart host's name for the strict relay, which verifies that name.
    if (results.has('dane') || results.has('relay-strict')) {
      if (signedZoneAvailable()) {
        try {
          zone = await startSignedZones({
            'dane.test': [
              'good IN MX 10 mx-good', 'mx-good IN A 127.0.0.1', `_${sinkTls}._tcp.mx-good IN TLSA 3 1 1 ${spkiSha256(pki.server('mx.test.example').cert)}`,
              'bad IN MX 10 mx-bad', 'mx-bad IN A 127.0.0.1', `_${sinkTls}._tcp.mx-bad IN TLSA 3 1 1 ${spkiSha256(pki.server('other.test.example').cert)}`,
              'none IN MX 10 mx-none', 'mx-none IN A 127.0.0.1',
            ],
            'example.com': ['smtp IN A 127.0.0.1'],
          });
        } catch (e) { zoneProblem = String(e); }
      } else zoneProblem = 'unbound and ldnsutils are not installed (scripts/install-test-deps.sh)';
    }
    /** The smtp client runs chrooted in the queue directory so that it reads the queue's etc/resolv.conf, which
     * names the validating resolver of the signed zones (the system's resolver stays untouched). */
    const useZone = (dir: string) => {
      if (!zone) return;
      mkdirSync(join(dir, 'queue', 'etc'), { recursive: true });
      writeFileSync(join(dir, 'queue', 'etc', 'resolv.conf'), zone.resolvConf);
      // Postfix 3.4 connects to the postlog socket by its full path only when the first line is logged, which in
      // a chroot names nothing (3.5 connects before the chroot): the same path inside the chroot leads to it.
      if (!atLeast(release, '3.5')) {
        const inside = join(dir, 'queue', dir, 'queue');
        mkdirSync(inside, { recursive: true });
        symlinkSync('/public', join(inside, 'public'));
      }
    };

    const clientStarts: Promise<void>[] = [];
    const client = (id: string, start: () => Promise<PostfixInstance>) => {
      if (!results.has(id)) return;
      clientStarts.push(start().then((pf) => { started.push(pf); instances.set(id, pf); }));
    };
    const relayCase = async (id: string, hop: string, extra: Record<string, string> = {}, plumbing = '', dns = false) => {
      const table = await installPolicy(work, Object.entries({ [hop]: `${RELAY_USER}:${RELAY_PASSWORD}`, ...extra }).map(([k, v]) => `${k} ${v}`).join('\n') + '\n', `sasl_passwd-${id}`, release);
      const placeholder = result(id).main.find((s) => s.name === 'relayhost')!.value;
      return startGenerated({ release, result: result(id), portCount: 0, plumbing,
        replacements: { ...certPaths, [placeholder]: hop, 'hash:/etc/postfix/sasl_passwd': table },
        chrootSmtp: dns && zone !== undefined, prepare: dns ? useZone : undefined });
    };
    // The plaintext trap is reached through the same smtp client (and its password table) as the smart host.
    client('relay-587', () => relayCase('relay-587', `[127.0.0.1]:${relay587!.port}`, { [`[127.0.0.1]:${trap!.port}`]: `${RELAY_USER}:${RELAY_PASSWORD}` },
      `transport_maps = inline:{ trap.test=smtp:[127.0.0.1]:${trap!.port} }`));
    client('relay-465', () => relayCase('relay-465', `[127.0.0.1]:${relay465!.port}`));
    // The strict relay keeps the generated smart host name; only the port is the stand-in's.
    client('relay-strict', () => relayCase('relay-strict', `[smtp.example.com]:${relayStrict!.port}`,
      { [`[smtp.example.com]:${relayWrongName!.port}`]: `${RELAY_USER}:${RELAY_PASSWORD}` },
      `transport_maps = inline:{ wrongname.test=smtp:[smtp.example.com]:${relayWrongName!.port} }`, true));
    // send-only: the stock port 25 listener stays, with a bare port so that inet_interfaces decides its address.
    client('send-only', () => startGenerated({ release, result: result('send-only'), replacements: certPaths,
      stockMaster: localizeMaster(STOCK_SMTPD, { smtp: '@PORT@' }),
      plumbing: `transport_maps = inline:{ tls.test=smtp:[127.0.0.1]:${sinkTls}, plain.test=smtp:[127.0.0.1]:${sinkPlain} }` }));
    client('mta-sts', async () => {
      sts = await startSocketmap((name, key) => {
        if (name !== 'postfix') return undefined;
        // What postfix-mta-sts-resolver answers for a domain with an enforce policy naming mx.sts.example.
        if (key === `[127.0.0.1]:${sinkSts}` || key === `[127.0.0.1]:${sinkEvil}`) return 'secure match=mx.sts.example servername=hostname';
        // The same with the resolver's tlsrpt option on: the policy's MX patterns are passed on to Postfix.
        if (key === `[127.0.0.1]:00${sinkSts}`) return 'secure match=mx.sts.example servername=hostname policy_type=sts policy_domain=sts.example mx_host_pattern=mx.sts.example';
        return undefined;
      });
      const map = result('mta-sts').main.find((s) => s.name === 'smtp_tls_policy_maps')!.value;
      return startGenerated({ release, result: result('mta-sts'), portCount: 0,
        replacements: { ...certPaths, [map]: map.replace(/:8461:/, `:${sts.port}:`) },
        plumbing: `transport_maps = inline:{ sts.test=smtp:[127.0.0.1]:${sinkSts}, evil.test=smtp:[127.0.0.1]:${sinkEvil}, nopolicy.test=smtp:[127.0.0.1]:0${sinkSts}, tlsrpt.test=smtp:[127.0.0.1]:00${sinkSts} }` });
    });
    client('dane', async () => {
      // Next hops with the sink's port: the MX lookup and the TLSA owner name (_PORT._tcp.mx-good...) use it.
      const routes = [`literal.test=smtp:[127.0.0.1]:${sinkTls}`];
      if (zone) for (const d of ['good', 'bad', 'none']) routes.push(`${d}.dane.test=smtp:${d}.dane.test:${sinkTls}`);
      return startGenerated({ release, result: result('dane'), portCount: 0,
        plumbing: `transport_maps = inline:{ ${routes.join(', ')} }`, chrootSmtp: zone !== undefined, prepare: useZone });
    });
    await Promise.all([...serverStarts, ...clientStarts]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([...started.map((pf) => pf.stop()), sinks?.pf.stop(), relay587?.close(), relay465?.close(), relayStrict?.close(), relayWrongName?.close(), trap?.close(), sts?.close(), zone?.close()]);
    await Promise.allSettled(auth.map((s) => new Promise((r) => s.close(r))));
    rmSync(work, { recursive: true, force: true });
  });

  it('every generated configuration passes postfix check silently and postconf -n / -M warn about nothing', async () => {
    const distinct = new Map<PostfixInstance, string[]>();
    for (const [id, pf] of instances) distinct.set(pf, [...(distinct.get(pf) ?? []), id]);
    expect(distinct.size).toBeGreaterThan(0);
    await Promise.all([...distinct].map(async ([pf, ids]) => {
      const check = await postfixCheck(pf);
      expect(check.status, `${ids.join(', ')}: ${check.out}`).toBe(0);
      // A chrooted client (dane, strict relay) has its own resolv.conf naming the test's resolver: postfix check
      // notes that it differs from the system's, which is the point of it. Nothing else may be said.
      const said = check.out.split(/\r?\n/).map((l) => l.trim())
        .filter((l) => l && !(zone && /: warning: \S+\/queue\/etc\/resolv\.conf and \/etc\/resolv\.conf differ$/.test(l)));
      expect(said, ids.join(', ')).toEqual([]);
      const { n, warnings } = await postconfWarnings(pf);
      expect(warnings, ids.join(', ')).toBe('');
      // Every generated setting is in effect as generated (substituted paths and addresses aside).
      for (const id of ids) for (const s of result(id).main) expect(n, `${id}: ${s.name}`).toMatch(new RegExp(`^${s.name} =`, 'm'));
    }));
  });

  describe('mx', () => {
    it.runIf(runs('mx', release))('accepts STARTTLS with TLS 1.0, 1.1, 1.2 and 1.3 on port 25', async () => {
      const p = port('mx', 'smtp');
      for (const [flag, version, extra] of [['-tls1', 'TLSv1', OLD_TLS], ['-tls1_1', 'TLSv1.1', OLD_TLS], ['-tls1_2', 'TLSv1.2', []], ['-tls1_3', 'TLSv1.3', []]] as const) {
        const res = await probe(p, [flag, ...extra]);
        expect(res.out, flag).toMatch(new RegExp(`Protocol version: ${version.replace('.', '\\.')}\\n`));
      }
      await instance('mx').waitForLog(/Anonymous TLS connection established from [^:]+: TLSv1 with cipher/);
    });

    it.runIf(runs('mx', release))('accepts plaintext mail on port 25 (no STARTTLS required)', async () => {
      const res = await swaks(port('mx', 'smtp'), []);
      expect(res.out).toMatch(/<-\s+250[ -]STARTTLS/);
      expect(res.out).not.toMatch(/-> STARTTLS/);
      expect(res.out).toMatch(/<-\s+250 2\.0\.0 Ok: queued as/);
    });

    it.runIf(runs('mx', release))('leaves port 25 protocols and ciphers at their defaults', () => {
      const names = result('mx').main.map((s) => s.name);
      expect(names).not.toContain('smtpd_tls_protocols');
      expect(names).not.toContain('smtpd_tls_ciphers');
      expect(names).not.toContain('smtpd_tls_mandatory_protocols');
    });
  });

  describe('submission (587)', () => {
    for (const id of ['submission', 'server-strict']) {
      it.runIf(runs(id, release))(`${id}: AUTH is neither offered nor accepted before STARTTLS`, async () => {
        const [banner, ehlo, authReply, mail] = await dialogue(port(id, 'submission'), ['EHLO client.test', 'AUTH PLAIN AGFsaWNlAHNlY3JldA==', `MAIL FROM:<${USER}>`, 'QUIT']);
        expect(banner).toMatch(/^220 /);
        expect(ehlo).toMatch(/250[ -]STARTTLS/);
        expect(ehlo).not.toMatch(/AUTH/);
        expect(authReply).toMatch(/^530 5\.7\.0 Must issue a STARTTLS command first/);
        expect(mail).toMatch(/^530 5\.7\.0 Must issue a STARTTLS command first/);
      });

      it.runIf(runs(id, release))(`${id}: after STARTTLS AUTH is offered, the right password may send, a wrong one gets 535`, async () => {
        const ok = await swaks(port(id, 'submission'), ['--tls', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD]);
        expect(ok.out).toMatch(/<~\s+250[ -]AUTH PLAIN LOGIN/);
        expect(ok.out).toMatch(/<~\s+235 2\.7\.0 Authentication successful/);
        expect(ok.out).toMatch(/<~\s+250 2\.0\.0 Ok: queued as/);
        const bad = await swaks(port(id, 'submission'), ['--tls', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', 'wrong']);
        expect(bad.out).toMatch(/<~\*\s+535 5\.7\.8/);
        const none = await swaks(port(id, 'submission'), ['--tls', '--quit-after', 'RCPT']);
        expect(none.out).toMatch(/<~\*\s+554 5\.7\.1 .*Access denied/);
      });

      it.runIf(runs(id, release))(`${id}: TLS 1.2 is the floor where TLS is required`, async () => {
        const old = await probe(port(id, 'submission'), ['-tls1_1', ...OLD_TLS]);
        expect(old.out).toMatch(/alert protocol version/);
        expect((await probe(port(id, 'submission'), ['-tls1_2'])).out).toMatch(/Protocol version: TLSv1\.2/);
      });
    }
  });

  describe('submissions (465)', () => {
    for (const id of ['submissions', 'server-strict']) {
      it.runIf(runs(id, release))(`${id}: speaks TLS from the first byte: no plaintext greeting, an SMTP banner inside TLS`, async () => {
        expect(await silentFor(port(id, 'submissions'), 1_500)).toBe('');
        const res = await probe(port(id, 'submissions'), ['-tls1_3'], false);
        expect(res.out).toMatch(/Protocol version: TLSv1\.3/);
        const greeting = await swaks(port(id, 'submissions'), ['--tls-on-connect', '--quit-after', 'EHLO']);
        expect(greeting.out).toMatch(/=== TLS started with cipher TLSv1\.3[\s\S]*<~\s+220 mail\.example\.com ESMTP/);
      });

      it.runIf(runs(id, release))(`${id}: AUTH works inside TLS; a wrong password gets 535; TLS 1.1 is refused`, async () => {
        const ok = await swaks(port(id, 'submissions'), ['--tls-on-connect', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD]);
        expect(ok.out).toMatch(/<~\s+235 2\.7\.0 Authentication successful/);
        expect(ok.out).toMatch(/<~\s+250 2\.0\.0 Ok: queued as/);
        const bad = await swaks(port(id, 'submissions'), ['--tls-on-connect', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', 'wrong']);
        expect(bad.out).toMatch(/<~\*\s+535 5\.7\.8/);
        // Wrapper mode makes TLS mandatory, so smtpd_tls_mandatory_protocols applies on 465 too.
        const old = await probe(port(id, 'submissions'), ['-tls1_1', ...OLD_TLS], false);
        expect(old.out).toMatch(/alert protocol version/);
      });
    }

    it.runIf(runs('server-strict', release))('strict: only high-grade ciphers where TLS is required, the port 25 service unchanged', async () => {
      expect(result('server-strict').main).toContainEqual(expect.objectContaining({ name: 'smtpd_tls_mandatory_ciphers', value: 'high' }));
      const { stdout } = await instance('server-strict').postconf('-xh', 'smtpd_tls_mandatory_ciphers');
      expect(stdout.trim()).toBe('high');
      // Port 25 still takes TLS 1.0 from an old sender (opportunistic TLS is never tightened).
      expect((await probe(port('server-strict', 'smtp'), ['-tls1', ...OLD_TLS])).out).toMatch(/Protocol version: TLSv1\n/);
    });
  });

  describe('relay', () => {
    it.runIf(runs('relay-587', release))('587: STARTTLS, then AUTH with the table credentials, then delivery', async () => {
      await sendmailInject(instance('relay-587'), 'someone@example.org', 'me@example.com');
      const d = await waitForRecipient(instance('relay-587'), 'someone@example.org');
      expect(d.status).toBe('sent');
      expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${relay587!.port}`);
      expect(await waitForTlsLine(instance('relay-587'), relay587!.port)).toMatch(/^Trusted TLS connection established/);
      expect(relay587!.events.find((e) => e.delivered)).toMatchObject({ tls: true, authOk: true, authUser: RELAY_USER });
      expect(relay587!.events.filter((e) => e.authUser !== undefined).every((e) => e.tls)).toBe(true);
    });

    it.runIf(runs('relay-587', release))('never logs in without TLS: a server that offers AUTH but no STARTTLS gets no password and no mail', async () => {
      await sendmailInject(instance('relay-587'), 'someone@trap.test', 'me@example.com');
      const d = await waitForRecipient(instance('relay-587'), 'someone@trap.test');
      expect(d.status).toBe('deferred');
      expect(d.line).toMatch(/TLS is required, but was not offered by host 127\.0\.0\.1\[127\.0\.0\.1\]/);
      expect(trap!.commands.some((c) => /^EHLO /i.test(c))).toBe(true);
      expect(trap!.commands.filter((c) => /^(AUTH|MAIL)\b/i.test(c))).toEqual([]);
    });

    it.runIf(runs('relay-465', release))('465: wrapper mode starts TLS on connect, authenticates and delivers', async () => {
      await sendmailInject(instance('relay-465'), 'someone@example.org', 'me@example.com');
      const d = await waitForRecipient(instance('relay-465'), 'someone@example.org');
      expect(d.status).toBe('sent');
      expect(d.line).toContain(`relay=127.0.0.1[127.0.0.1]:${relay465!.port}`);
      expect(await waitForTlsLine(instance('relay-465'), relay465!.port)).toMatch(/^Trusted TLS connection established/);
      expect(instance('relay-465').log()).toMatch(/postfix\/smtps-relay\/smtp\[\d+\]: /);
      expect(relay465!.events.find((e) => e.delivered)).toMatchObject({ tls: true, authOk: true, authUser: RELAY_USER });
    });

    it.runIf(runs('relay-strict', release))('strict: secure level verifies the smart host\'s certificate name before logging in', async () => {
      await sendmailInject(instance('relay-strict'), 'someone@example.org', 'me@example.com');
      const d = await waitForRecipient(instance('relay-strict'), 'someone@example.org');
      expect(zoneProblem, 'local signed zone').toBe('');
      expect(d.status, d.line).toBe('sent');
      expect(d.line).toContain(`relay=smtp.example.com[127.0.0.1]:${relayStrict!.port}`);
      expect(instance('relay-strict').log()).toMatch(new RegExp(`Verified TLS connection established to smtp\\.example\\.com\\[127\\.0\\.0\\.1\\]:${relayStrict!.port}: `));
      expect(relayStrict!.events.find((e) => e.delivered)).toMatchObject({ tls: true, authOk: true });
      // A certificate from the same CA for another name: no login, no mail.
      await sendmailInject(instance('relay-strict'), 'someone@wrongname.test', 'me@example.com');
      const wrong = await waitForRecipient(instance('relay-strict'), 'someone@wrongname.test');
      expect(wrong.status).toBe('deferred');
      expect(wrong.line).toContain('Server certificate not verified');
      expect(relayWrongName!.events.filter((e) => e.authUser !== undefined || e.delivered)).toEqual([]);
    });
  });

  describe('send-only', () => {
    it.runIf(runs('send-only', release))('uses STARTTLS when the receiver offers it', async () => {
      await sendmailInject(instance('send-only'), 'reader@tls.test', 'bounces@example.com');
      const d = await waitForRecipient(instance('send-only'), 'reader@tls.test');
      expect(d.status).toBe('sent');
      expect(await waitForTlsLine(instance('send-only'), sinkTls)).toMatch(/^Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23]/);
    });

    it.runIf(runs('send-only', release))('sends in plaintext to a receiver without STARTTLS', async () => {
      await sendmailInject(instance('send-only'), 'reader@plain.test', 'bounces@example.com');
      const d = await waitForRecipient(instance('send-only'), 'reader@plain.test');
      expect(d.status).toBe('sent');
      expect(tlsLineFor(instance('send-only'), sinkPlain)).toBeUndefined();
    });

    it.runIf(runs('send-only', release))('the port 25 server listens on the loopback address only', async () => {
      expect(result('send-only').main).toContainEqual(expect.objectContaining({ name: 'inet_interfaces', value: 'loopback-only' }));
      const p = instance('send-only').ports[0]!;
      await waitForListener(p);
      const ss = await capture('ss', ['-Hltn', `sport = :${p}`]);
      expect(ss.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[3])).toEqual([`127.0.0.1:${p}`]);
      // Another local address reaches no listener (with inet_interfaces = all it would).
      expect(await canConnect(p, '127.0.0.2')).toBe(false);
    });
  });

  describe('dane (outbound)', () => {
    it.runIf(runs('dane', release))('an IP-literal next hop has no TLSA records: opportunistic TLS, delivered', async () => {
      await sendmailInject(instance('dane'), 'user@literal.test', 'me@example.com');
      const d = await waitForRecipient(instance('dane'), 'user@literal.test');
      expect(d.status).toBe('sent');
      expect(tlsLineFor(instance('dane'), sinkTls)).toMatch(/^(Untrusted|Anonymous) TLS connection established/);
    });

    it.runIf(runs('dane', release))('with a DNSSEC-signed zone: a matching TLSA record gives Verified delivery, a wrong one defers', async () => {
      expect(zoneProblem, 'local signed zone').toBe('');
      await sendmailInject(instance('dane'), 'user@good.dane.test', 'me@example.com');
      const good = await waitForRecipient(instance('dane'), 'user@good.dane.test');
      expect(good.status, instance('dane').log().slice(-1500)).toBe('sent');
      expect(instance('dane').log()).toMatch(new RegExp(`Verified TLS connection established to mx-good\\.dane\\.test\\[127\\.0\\.0\\.1\\]:${sinkTls}: `));
      await sendmailInject(instance('dane'), 'user@bad.dane.test', 'me@example.com');
      const bad = await waitForRecipient(instance('dane'), 'user@bad.dane.test');
      expect(bad.status).toBe('deferred');
      // Before 3.6 the trust check comes first and speaks for the unmatched end-entity key (smtp_proto.c).
      expect(bad.line).toContain(atLeast(release, '3.6') ? '(Server certificate not verified)' : '(Server certificate not trusted)');
      // A signed domain whose MX has no TLSA record: TLS without authentication, still delivered.
      await sendmailInject(instance('dane'), 'user@none.dane.test', 'me@example.com');
      const none = await waitForRecipient(instance('dane'), 'user@none.dane.test');
      expect(none.status).toBe('sent');
      expect(instance('dane').log()).toMatch(new RegExp(`(Untrusted|Anonymous) TLS connection established to mx-none\\.dane\\.test\\[127\\.0\\.0\\.1\\]:${sinkTls}: `));
    });
  });

  describe('mta-sts', () => {
    it.runIf(runs('mta-sts', release))('a secure policy answer gives Verified delivery to the matching MX certificate', async () => {
      await sendmailInject(instance('mta-sts'), 'user@sts.test', 'me@example.com');
      const d = await waitForRecipient(instance('mta-sts'), 'user@sts.test');
      expect(d.status).toBe('sent');
      expect(sts!.queries).toContainEqual({ name: 'postfix', key: `[127.0.0.1]:${sinkSts}` });
      expect(await waitForTlsLine(instance('mta-sts'), sinkSts)).toMatch(/^Verified TLS connection established/);
    });

    it.runIf(runs('mta-sts', release))('defers when the MX certificate does not match the policy', async () => {
      await sendmailInject(instance('mta-sts'), 'user@evil.test', 'me@example.com');
      const d = await waitForRecipient(instance('mta-sts'), 'user@evil.test');
      expect(d.status).toBe('deferred');
      expect(d.line).toContain('Server certificate not verified');
    });

    it.runIf(runs('mta-sts', release))('a domain without a policy gets opportunistic TLS', async () => {
      await sendmailInject(instance('mta-sts'), 'user@nopolicy.test', 'me@example.com');
      const d = await waitForRecipient(instance('mta-sts'), 'user@nopolicy.test');
      expect(d.status).toBe('sent');
      expect(instance('mta-sts').log()).toMatch(new RegExp(`Trusted TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${sinkSts}: `));
    });

    it.runIf(runs('mta-sts', release))('MX patterns: enforced by default from 3.10.5 (a host matching no pattern is skipped); older releases lack the switch', async () => {
      const why = result('mta-sts').whyNot.find((w) => w.topic === 'smtp_tls_enforce_sts_mx_patterns')!;
      if (atLeast(release, '3.10.5')) {
        expect(why.reason).toMatch(/already "yes" by default/);
        expect((await instance('mta-sts').postconf('-h', 'smtp_tls_enforce_sts_mx_patterns')).stdout.trim()).toBe('yes');
        // With the resolver's tlsrpt option the next hop 127.0.0.1 matches no MX pattern: not tried at all.
        await sendmailInject(instance('mta-sts'), 'user@tlsrpt.test', 'me@example.com');
        const d = await waitForRecipient(instance('mta-sts'), 'user@tlsrpt.test');
        expect(d.status).toBe('deferred');
        expect(d.line).toMatch(/relay=none, .*status=deferred \(server unavailable or unable to receive mail\)/);
        if (atLeast(release, '3.10.6')) expect(instance('mta-sts').log()).toMatch(/warning: MX name '127\.0\.0\.1' does not match STS MX pattern for 'sts\.example'/);
      } else {
        expect(why.reason).toMatch(/does not have it \(3\.10\.5 and later\)/);
        const res = await capture(instance('mta-sts').command('postconf'), ['-c', instance('mta-sts').dir, '-h', 'smtp_tls_enforce_sts_mx_patterns']);
        expect(res.stderr).toMatch(/smtp_tls_enforce_sts_mx_patterns: unknown parameter/);
      }
    });
  });

  describe('dane-inbound', () => {
    it.runIf(runs('dane-inbound', release))('the printed TLSA 3 1 1 digest matches the key the MX serves', async () => {
      const note = result('dane-inbound').notes.find((n) => n.includes('TLSA 3 1 1'))!;
      const pipeline = /printed by: (openssl .*)$/.exec(note)![1]!.replace(`/etc/letsencrypt/live/${HOST}/fullchain.pem`, pki.server(HOST).cert);
      const digest = (await capture('sh', ['-c', pipeline])).stdout.trim().replace(/^.*= ?/, '');
      expect(digest).toMatch(/^[0-9a-f]{64}$/);
      const p = port('dane-inbound', 'smtp');
      // OpenSSL's own DANE verification of the running server against the record the note publishes...
      const ok = await probe(p, ['-dane_tlsa_domain', HOST, '-dane_tlsa_rrdata', `3 1 1 ${digest}`]);
      expect(ok.out).toMatch(/Verification: OK/);
      expect(ok.out).toMatch(/DANE TLSA 3 1 1 .* matched EE certificate at depth 0/);
      // ...and a record for another key does not match.
      const wrong = await probe(p, ['-dane_tlsa_domain', HOST, '-dane_tlsa_rrdata', `3 1 1 ${spkiSha256(pki.server('other.test.example').cert)}`]);
      expect(wrong.out).toMatch(/Verification error: no matching DANE TLSA records/i);
    });
  });
});
