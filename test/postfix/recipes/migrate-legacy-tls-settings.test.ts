import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedRules } from '../../../src/markdown/config-blocks.ts';
import { repoRoot } from '../../support/content.ts';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, writeConfigFile, type PostfixInstance } from '../harness.ts';
import { localizeMaster, recipeBlocks, substitute, runShellBlock } from '../recipe-blocks.ts';
import { atLeast, proofReleases } from '../releases.ts';

const enabled = postfixTierAvailable();
const SLUG = 'migrate-legacy-tls-settings';

/** The page's anti-pattern ("Before") blocks of one kind, in page order. */
function beforeBlocks(kind: 'main' | 'master' | 'policy'): string[] {
  const text = readFileSync(join(repoRoot, 'content/recipes', `${SLUG}.md`), 'utf8');
  return [...text.matchAll(/^```postfix-(main|master|policy)([^\n]*)\n([\s\S]*?)^```\s*$/gm)]
    .filter((m) => m[1] === kind && expectedRules(m[2]).length > 0)
    .map((m) => m[3]!);
}

/**
 * Delivery plumbing shared by both instances: every route goes to @PORT2@, a listener that discards.
 * dropped.test and dropped311.test (legacy instance only) use transports without the old switch.
 */
const PLUMBING = `
smtpd_tls_loglevel = 1
smtp_tls_loglevel = 1
transport_maps = inline:{ {relay.test = smtp:[127.0.0.1]:@PORT2@}, {bad.test = bad:[127.0.0.1]:@PORT2@}, {dropped.test = dropped:[127.0.0.1]:@PORT2@}, {dropped311.test = dropped311:[127.0.0.1]:@PORT2@} }
`;
/** postconf's deprecation warning for one parameter of a file. */
const deprecated = (file: 'main.cf' | 'master.cf', name: string) =>
  new RegExp(`warning: \\S+/${file.replace('.', '\\.')}: support for parameter "${name}" will be removed`);
const DISCARD_LISTENER = '127.0.0.1:@PORT2@ inet n - n - - smtpd -o smtpd_recipient_restrictions=check_recipient_access,static:DISCARD';

function swaks(port: number, ...args: string[]) {
  return capture('swaks', ['--server', `127.0.0.1:${port}`, '--from', 'sender@mx.test.example', '--ehlo', 'client.test', '--timeout', '10', ...args]);
}

describe.runIf(enabled).each(enabled ? proofReleases(SLUG) : [])('recipe: migrate-legacy-tls-settings on Postfix $label', (release) => {
  let legacy: PostfixInstance | undefined;
  let migrated: PostfixInstance | undefined;
  let certDir = '';

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pf-pki-'));
    const pki = createPki(certDir);
    const { key, cert } = pki.server('mx.test.example');
    const files = {
      '/etc/postfix/tls/mx.crt': cert,
      '/etc/postfix/tls/mx.key': key,
      '/etc/ssl/certs/ca-certificates.crt': pki.caCert,
      'hash:/etc/postfix/tls_policy': `texthash:${join(certDir, 'tls_policy')}`,
      'hash:/etc/postfix/tls_per_site': `texthash:${join(certDir, 'tls_per_site')}`,
    };
    const [legacyMain] = beforeBlocks('main');
    const [legacySubmission] = beforeBlocks('master');
    const after = recipeBlocks(SLUG);

    // The old configuration, with a service where both the old switch and a level are set, a transport
    // that uses the per-site keywords as a policy table, and transports where smtp_use_tls (and the
    // per-site table) have been deleted without setting a level (3.11 also at compatibility level 3.11).
    const dropped = 'smtp -o smtp_use_tls=no -o smtp_tls_per_site=';
    legacy = await startPostfix({
      release,
      ports: 3,
      main: substitute(legacyMain!, files) + PLUMBING,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
${DISCARD_LISTENER}
127.0.0.1:@PORT3@ inet n - n - - smtpd -o smtpd_use_tls=no -o smtpd_tls_security_level=may
bad unix - - n - - smtp -o smtp_tls_policy_maps=texthash:${join(certDir, 'bad_policy')}
dropped unix - - n - - ${dropped} -o syslog_name=postfix/dropped
${atLeast(release, '3.11') ? `dropped311 unix - - n - - ${dropped} -o syslog_name=postfix/dropped311 -o compatibility_level=3.11` : ''}`,
    });
    const legacyRelay = `[127.0.0.1]:${legacy.ports[1]}`;
    writeFileSync(join(certDir, 'tls_per_site'), `${legacyRelay} MUST_NOPEERMATCH\n`);
    writeFileSync(join(certDir, 'bad_policy'), substitute(beforeBlocks('policy')[0]!, { '[relay.example.net]:587': legacyRelay }));

    // The migrated configuration: the page's main.cf, policy table and submission service, plus the
    // old submission override under the new main.cf.
    migrated = await startPostfix({
      release,
      ports: 4,
      main: substitute(after.main, files) + PLUMBING,
      master: `127.0.0.1:@PORT@ inet n - n - - smtpd
${DISCARD_LISTENER}
${localizeMaster(after.master, { submission: '127.0.0.1:@PORT3@' })}
${localizeMaster(legacySubmission!, { submission: '127.0.0.1:@PORT4@' })}`,
    });
    writeFileSync(join(certDir, 'tls_policy'), substitute(after.policy, { '[relay.example.net]:587': `[127.0.0.1]:${migrated.ports[1]}` }));
  });

  afterAll(async () => {
    await legacy?.stop();
    await migrated?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('the legacy main.cf offers STARTTLS and its MUST_NOPEERMATCH per-site entry delivers over TLS', async () => {
    const res = await swaks(legacy!.ports[0]!, '--tls', '--to', 'user@relay.test');
    expect(res.stdout).toMatch(/<- {2}250-STARTTLS/);
    expect(res.stdout).toMatch(/=== TLS started with cipher TLSv1\.3/);
    await legacy!.waitForLog(/Anonymous TLS connection established from localhost\[127\.0\.0\.1\]/);
    await legacy!.waitForLog(new RegExp(`postfix/smtp\\[\\d+\\]: Trusted TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${legacy!.ports[1]}: TLSv1\\.3`));
    await legacy!.waitForLog(/to=<user@relay\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent/);
  });

  it('the migrated main.cf and policy table do the same with security levels', async () => {
    const res = await swaks(migrated!.ports[0]!, '--tls', '--to', 'user@relay.test');
    expect(res.stdout).toMatch(/<- {2}250-STARTTLS/);
    expect(res.stdout).toMatch(/=== TLS started with cipher TLSv1\.3/);
    await migrated!.waitForLog(new RegExp(`postfix/smtp\\[\\d+\\]: \\w+ TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${migrated!.ports[1]}: TLSv1\\.3`));
    await migrated!.waitForLog(/to=<user@relay\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent/);
  });

  it('a security level overrides smtpd_use_tls = no', async () => {
    const res = await swaks(legacy!.ports[2]!, '--quit-after', 'HELO');
    expect(res.stdout).toMatch(/<- {2}250-STARTTLS/);
  });

  it('the old -o smtpd_enforce_tls=yes loses to the main.cf level; the migrated submission requires TLS', async () => {
    const old = await swaks(migrated!.ports[3]!, '--quit-after', 'MAIL');
    expect(old.stdout).toMatch(/<- {2}250 2\.1\.0 Ok/);
    const now = await swaks(migrated!.ports[2]!, '--quit-after', 'MAIL');
    expect(now.stdout).toMatch(/<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
  });

  it('per-site keywords in smtp_tls_policy_maps defer the mail, and the per-site table is ignored', async () => {
    const res = await swaks(legacy!.ports[0]!, '--to', 'user@bad.test');
    expect(res.stdout).toMatch(/250 2\.0\.0 Ok: queued/);
    await legacy!.waitForLog(/warning: smtp_tls_per_site ignored when smtp_tls_policy_maps is not empty\./);
    await legacy!.waitForLog(/warning: smtp_tls_policy_maps, next-hop destination "\[127\.0\.0\.1\]:\d+": invalid security level "MUST_NOPEERMATCH"/);
    await legacy!.waitForLog(/to=<user@bad\.test>, relay=none, .*status=deferred \(client TLS configuration problem\)/);
  });

  it('postconf -n of the migrated configuration has no legacy names', async () => {
    const { stdout } = await migrated!.postconf('-n');
    expect(stdout).toMatch(/^smtpd_tls_security_level = may$/m);
    expect(stdout).toMatch(/^smtp_tls_policy_maps = texthash:/m);
    expect(stdout).not.toMatch(/_(use|enforce)_tls|tls_per_site|enforce_peername|dh512|eecdh_grade/);
  });

  it('deleting smtp_use_tls without setting a level sends in plaintext; 3.11 sends over TLS only at compatibility level 3.11', async () => {
    const relay = legacy!.ports[1]!;
    const res = await swaks(legacy!.ports[0]!, '--to', 'user@dropped.test');
    expect(res.stdout).toMatch(/250 2\.0\.0 Ok: queued/);
    await legacy!.waitForLog(new RegExp(`postfix/dropped/smtp\\[\\d+\\]: \\w+: to=<user@dropped\\.test>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${relay}, .*status=sent`));
    expect(legacy!.log()).not.toMatch(/postfix\/dropped\/smtp\[\d+\]: .*TLS connection established/);
    if (atLeast(release, '3.11')) {
      const res311 = await swaks(legacy!.ports[0]!, '--to', 'user@dropped311.test');
      expect(res311.stdout).toMatch(/250 2\.0\.0 Ok: queued/);
      await legacy!.waitForLog(new RegExp(`postfix/dropped311/smtp\\[\\d+\\]: \\w+ TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${relay}: TLSv1\\.3`));
      await legacy!.waitForLog(new RegExp(`postfix/dropped311/smtp\\[\\d+\\]: \\w+: to=<user@dropped311\\.test>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${relay}, .*status=sent`));
    }
  });

  it('postconf warns about the legacy names from 3.9 on, and about smtp_tls_enforce_peername from 3.11 on', async () => {
    const { stdout, stderr } = await legacy!.postconf('-n');
    expect(stdout).toMatch(/^smtpd_use_tls = yes$/m);
    const legacyNames: ['main.cf' | 'master.cf', string][] = [
      ['main.cf', 'smtpd_use_tls'], ['main.cf', 'smtp_use_tls'], ['main.cf', 'smtp_tls_per_site'], ['master.cf', 'smtpd_use_tls'],
    ];
    for (const [file, name] of legacyNames) {
      if (atLeast(release, '3.9')) expect(stderr).toMatch(deprecated(file, name));
      else expect(stderr).not.toMatch(new RegExp(name));
    }
    // The certificate parameters are not deprecated on any release.
    expect(stderr).not.toMatch(/smtpd_tls_(cert|key)_file|smtp_tls_CAfile/);
    // The daemons themselves never log the deprecation; only postconf reports it.
    expect(legacy!.log()).not.toMatch(/will be removed/);

    // The table row "smtp_enforce_tls = yes with smtp_tls_enforce_peername = no", and the page's second
    // "Before" block (Diffie-Hellman and curve settings), in a configuration directory of their own.
    const dir = mkdtempSync(join(certDir, 'cf-'));
    writeConfigFile(join(dir, 'main.cf'), `smtp_enforce_tls = yes\nsmtp_tls_enforce_peername = no\n${beforeBlocks('main')[1]}`);
    writeConfigFile(join(dir, 'master.cf'), '');
    const old = await capture(legacy!.command('postconf'), ['-c', dir, '-n']);
    expect(old.stdout).toMatch(/^smtpd_tls_dh512_param_file = /m);
    expect(Boolean(old.stderr.match(deprecated('main.cf', 'smtp_enforce_tls')))).toBe(atLeast(release, '3.9'));
    expect(Boolean(old.stderr.match(deprecated('main.cf', 'smtpd_tls_eecdh_grade')))).toBe(atLeast(release, '3.9'));
    expect(Boolean(old.stderr.match(deprecated('main.cf', 'smtpd_tls_dh1024_param_file')))).toBe(atLeast(release, '3.9'));
    expect(Boolean(old.stderr.match(deprecated('main.cf', 'smtp_tls_enforce_peername')))).toBe(atLeast(release, '3.11'));
    // dh512 has been ignored since 3.6 without any warning.
    expect(old.stderr).not.toMatch(/dh512/);
  });

  it('postconf stays silent on the page\'s "After" configuration', async () => {
    const after = recipeBlocks(SLUG);
    const dir = mkdtempSync(join(certDir, 'cf-'));
    writeConfigFile(join(dir, 'main.cf'), after.main);
    writeConfigFile(join(dir, 'master.cf'), after.master);
    const res = await capture(migrated!.command('postconf'), ['-c', dir, '-n']);
    expect(res.stdout).toMatch(/^smtp_tls_policy_maps = hash:\/etc\/postfix\/tls_policy$/m);
    expect(res.stderr).toBe('');
    // The page's verify commands on the "After" files, with its port 25 check against the migrated instance:
    // the greps and postconf print nothing, swaks prints the STARTTLS line.
    const verify = await runShellBlock('migrate-legacy-tls-settings', 'verify', {
      instance: { ...migrated!, dir },
      replacements: { '/etc/postfix/master.cf': join(dir, 'master.cf'), 'localhost --port 25': `127.0.0.1 --port ${migrated!.ports[0]}` },
    });
    expect(verify.stdout).toMatch(/^<- +250-STARTTLS\n$/);
    expect(verify.stderr).toBe('');
    // The old submission override that the migrated test instance still carries is reported from 3.9 on.
    const inUse = await migrated!.postconf('-n');
    expect(Boolean(inUse.stderr.match(deprecated('master.cf', 'smtpd_enforce_tls')))).toBe(atLeast(release, '3.9'));
  });

  it("the page's build commands index the policy table, pass postfix check and reload", async () => {
    const res = await runShellBlock('migrate-legacy-tls-settings', 'build-table', { instance: migrated!, replacements: { '/etc/postfix/tls_policy': join(certDir, 'tls_policy') } });
    expect(res.code, res.out).toBe(0);
    expect(existsSync(join(certDir, 'tls_policy.db'))).toBe(true);
    await migrated!.waitForLog(/reload -- version/);
  });

  it("the page's search commands find the legacy names in main.cf and master.cf", async () => {
    const res = await runShellBlock('migrate-legacy-tls-settings', 'find', { instance: legacy!, replacements: { '/etc/postfix/master.cf': join(legacy!.dir, 'master.cf') } });
    expect(res.stdout).toMatch(/^smtpd_use_tls = yes$/m);
    expect(res.stdout).toMatch(/^smtp_use_tls = yes$/m);
    expect(res.stdout).toMatch(/^smtp_tls_per_site = /m);
    expect(res.stdout).toMatch(/^\d+:.*-o smtpd_use_tls=no/m);
  });

  it("the page's save and roll back commands restore the legacy files", async () => {
    const replacements = { '/etc/postfix/': `${legacy!.dir}/` };
    const save = await runShellBlock('migrate-legacy-tls-settings', 'save', { instance: legacy!, replacements });
    expect(save.code, save.out).toBe(0);
    const main = readFileSync(join(legacy!.dir, 'main.cf'), 'utf8');
    const master = readFileSync(join(legacy!.dir, 'master.cf'), 'utf8');
    // A migration step: the level replaces the switch.
    await capture(legacy!.command('postconf'), ['-c', legacy!.dir, '-X', 'smtpd_use_tls']);
    await capture(legacy!.command('postconf'), ['-c', legacy!.dir, '-e', 'smtpd_tls_security_level=may']);
    expect(readFileSync(join(legacy!.dir, 'main.cf'), 'utf8')).not.toBe(main);
    const res = await runShellBlock('migrate-legacy-tls-settings', 'rollback', { instance: legacy!, replacements });
    expect(res.code, res.out).toBe(0);
    await legacy!.waitForLog(/reload -- version/);
    expect(readFileSync(join(legacy!.dir, 'main.cf'), 'utf8')).toBe(main);
    expect(readFileSync(join(legacy!.dir, 'master.cf'), 'utf8')).toBe(master);
    const { stdout } = await legacy!.postconf('-n');
    expect(stdout).toMatch(/^smtpd_use_tls = yes$/m);
    expect(stdout).not.toMatch(/^smtpd_tls_security_level =/m);
  });
});
