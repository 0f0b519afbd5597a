import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { check } from '../../src/lib/check.ts';
import { effectiveDefault, statusAt, type Facts } from '../../src/lib/facts.ts';
import {
  certificateLayouts, freshInstallCompatibilityLevel, generate, opensslVersions, profiles, roles,
  type GenerateOptions, type GenerateResult, type Role,
} from '../../src/lib/generate/index.ts';
import { compareVersions } from '../../src/lib/versions.ts';
import { realFacts } from '../support/content.ts';

const root = resolve(import.meta.dirname, '../..');
const lines = ['3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11'];
/** Every non-empty subset of the roles: 2^8 - 1 = 255. */
const roleSubsets: Role[][] = [];
for (let m = 1; m < 1 << roles.length; m++) roleSubsets.push(roles.filter((_, i) => m & (1 << i)));

/** The other compatibility_level tried beside a release's fresh-install one: 0 on 3.4/3.5, 2 from 3.6. */
const otherLevel = (line: string) => (compareVersions(line, '3.6') < 0 ? '0' : '2');

let facts: Facts;
beforeAll(async () => { facts = await realFacts(); });

const gen = (o: Partial<GenerateOptions> & { roles: readonly string[] }) => generate(facts, { postfix: '3.11', ...o });

/** The services of a stock master.cf that TLS settings reach (port 25 server, delivery clients); the generated ones are added after. */
const stockServices = [
  'smtp      inet  n       -       n       -       -       smtpd',
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
  'smtp      unix  -       -       n       -       -       smtp',
  'relay     unix  -       -       n       -       -       smtp',
  '        -o syslog_name=postfix/$service_name',
  'lmtp      unix  -       -       n       -       -       lmtp',
  '',
].join('\n');

/** The engine's findings for a generated configuration, its services added to a stock master.cf. */
function findings(r: GenerateResult) {
  return check({
    facts, postfix: r.version,
    files: [{ name: 'main.cf', kind: 'main', text: r.mainCf }, { name: 'master.cf', kind: 'master', text: stockServices + r.masterCf }],
  });
}

/** Every generated configuration of the matrix, with the options it came from. */
interface Generated { options: GenerateOptions; result: GenerateResult }
function matrix(): { ok: Generated[]; refused: Generated[] } {
  const ok: Generated[] = [];
  const refused: Generated[] = [];
  for (const rs of roleSubsets) {
    for (const postfix of lines) {
      for (const compatibilityLevel of [undefined, otherLevel(postfix)]) {
        for (const openssl of opensslVersions) {
          for (const profile of profiles) {
            // relay is tried on both ports; certificate layouts rotate with the OpenSSL version so each appears everywhere.
            const certificates = certificateLayouts[opensslVersions.indexOf(openssl)];
            for (const relayhost of rs.includes('relay') ? ['[smtp.example.com]:587', '[smtp.example.com]:465'] : [undefined]) {
              const options: GenerateOptions = { roles: rs, postfix, compatibilityLevel, openssl, profile, certificates, relayhost };
              const result = generate(facts, options);
              (result.errors.length ? refused : ok).push({ options, result });
            }
          }
        }
      }
    }
  }
  return { ok, refused };
}

let generated: ReturnType<typeof matrix>;
const all = () => (generated ??= matrix());

describe('generate(): the whole matrix, checked by the engine', { timeout: 300_000 }, () => {
  it('every valid combination of roles × release × compatibility level × OpenSSL × profile has no error or warning finding', () => {
    const { ok, refused } = all();
    const counts = new Map<string, number>();
    const bad: string[] = [];
    for (const { options, result } of ok) {
      for (const f of findings(result)) {
        counts.set(`${f.severity} ${f.rule}`, (counts.get(`${f.severity} ${f.rule}`) ?? 0) + 1);
        if (f.severity !== 'info' && bad.length < 5) bad.push(`${JSON.stringify(options)}: ${f.rule} ${f.message}`);
      }
    }
    const validSubsets = new Set(ok.map((g) => g.options.roles.join(','))).size;
    console.log(`generate matrix: ${roleSubsets.length} role subsets (${validSubsets} valid) × ${lines.length} releases × 2 levels × ${opensslVersions.length} OpenSSL × ${profiles.length} profiles (relay on 587 and 465): `
      + `${ok.length} generated and checked, ${refused.length} refused as impossible; findings: ${counts.size ? [...counts].map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`);
    expect(bad).toEqual([]);
    expect(ok.length).toBeGreaterThan(5000);
  });

  it('never repeats a default, and names only parameters the release has', () => {
    for (const { result } of all().ok) {
      for (const s of result.main) {
        const p = facts.parameters.get(s.name);
        if (!p) continue;
        expect(statusAt(p, result.version), `${s.name} on ${result.version}`).toBe('available');
        const d = effectiveDefault(p, result.version, result.compatibilityLevel);
        expect(d?.replace(/\s+/g, ' ').trim(), `${s.name} repeats its default on ${result.version}`).not.toBe(s.value);
      }
      for (const m of result.master) {
        for (const s of m.overrides) {
          const p = facts.parameters.get(s.name);
          if (p) expect(statusAt(p, result.version), `${s.name} on ${result.version}`).toBe('available');
        }
      }
    }
  });

  it('refuses only the impossible combinations, each with a reason', () => {
    for (const { options, result } of all().refused) {
      const rs = options.roles as Role[];
      const has = (r: Role) => rs.includes(r);
      const impossible = (has('send-only') && (has('mx') || has('submission') || has('submissions') || has('dane-inbound')))
        || (has('dane-inbound') && !has('mx'))
        || (has('relay') && (has('dane') || has('mta-sts')))
        || (has('mta-sts') && options.profile === 'strict' && compareVersions(result.version, '3.10.5') < 0);
      expect(impossible, JSON.stringify(options)).toBe(true);
      expect(result.main).toEqual([]);
      expect(result.errors.every((e) => e.length > 20)).toBe(true);
    }
  });
});

describe('generate(): the mistakes it does not make', () => {
  it('does not put a TLS 1.2 minimum on opportunistic TLS (port 25 server or outgoing client)', () => {
    for (const { result } of all().ok) {
      const names = result.main.map((s) => s.name);
      expect(names).not.toContain('smtpd_tls_protocols');
      expect(names).not.toContain('smtp_tls_protocols');
      expect(names).not.toContain('smtpd_tls_ciphers');
      expect(names).not.toContain('smtp_tls_ciphers');
    }
    const mx = gen({ roles: ['mx'] });
    expect(mx.whyNot.map((w) => w.topic)).toContain('smtpd_tls_protocols, smtpd_tls_ciphers');
  });

  it('sets *_mandatory_* only where something requires TLS', () => {
    for (const { options, result } of all().ok) {
      const names = result.main.map((s) => s.name);
      const serverRequires = options.roles.includes('submission') || options.roles.includes('submissions');
      if (!serverRequires) expect(names.filter((n) => n.startsWith('smtpd_tls_mandatory_'))).toEqual([]);
      if (!options.roles.includes('relay')) expect(names.filter((n) => n.startsWith('smtp_tls_mandatory_'))).toEqual([]);
    }
    expect(gen({ roles: ['mx'] }).main.map((s) => s.name)).not.toContain('smtpd_tls_mandatory_protocols');
    expect(gen({ roles: ['mx', 'submission'] }).main.map((s) => s.name)).toContain('smtpd_tls_mandatory_protocols');
  });

  it('never rewrites tls_medium_cipherlist (or any other cipher list)', () => {
    for (const { result } of all().ok) {
      const text = result.mainCf + result.masterCf;
      expect(text).not.toMatch(/^tls_\w+_cipherlist\s*=|-o tls_\w+_cipherlist=/m);
    }
    expect(gen({ roles: ['mx'] }).whyNot.some((w) => w.topic.includes('tls_medium_cipherlist'))).toBe(true);
  });

  it('writes no setting the chosen release lacks: tls_ffdhe_auto_groups, range syntax, MTA-STS patterns', () => {
    for (const line of ['3.4', '3.7']) {
      const r = gen({ roles: ['mx', 'submission', 'mta-sts'], postfix: line });
      expect(r.mainCf).not.toContain('tls_ffdhe_auto_groups');
      expect(r.whyNot.find((w) => w.topic === 'tls_ffdhe_auto_groups')?.reason).toContain('does not have it');
      expect(r.mainCf).not.toContain('smtp_tls_enforce_sts_mx_patterns');
    }
    // The >= range syntax arrived in 3.6; before it the exclusion list is written.
    expect(gen({ roles: ['submission'], postfix: '3.5' }).mainCf).toContain('smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1\n');
    expect(gen({ roles: ['submission'], postfix: '3.6' }).mainCf).toContain('smtpd_tls_mandatory_protocols = >=TLSv1.2\n');
    expect(gen({ roles: ['relay'], relayhost: '[r.example.net]:465', postfix: '3.4' }).mainCf).toContain('smtp_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1\n');
    // MX-pattern enforcement is on by default where it exists, so it is explained, never written.
    const sts = gen({ roles: ['mta-sts'], postfix: '3.10.5' });
    expect(sts.mainCf).not.toContain('smtp_tls_enforce_sts_mx_patterns');
    expect(sts.whyNot.find((w) => w.topic === 'smtp_tls_enforce_sts_mx_patterns')?.reason).toContain('already "yes"');
    expect(gen({ roles: ['mta-sts'], postfix: '3.10.4' }).whyNot.find((w) => w.topic === 'smtp_tls_enforce_sts_mx_patterns')?.reason).toContain('does not have it');
  });

  it('never puts a post-quantum group first in the curve list (it leaves tls_eecdh_auto_curves alone)', () => {
    for (const { result } of all().ok) expect(result.mainCf).not.toMatch(/^tls_eecdh_auto_curves\s*=/m);
    const r = gen({ roles: ['mx'], openssl: '3.5' });
    expect(r.whyNot.find((w) => w.topic === 'tls_eecdh_auto_curves')?.reason).toMatch(/MLKEM/);
  });

  it('refuses no roles, unknown roles and options', () => {
    expect(gen({ roles: [] }).errors).toEqual([expect.stringContaining('no roles')]);
    expect(gen({ roles: ['webmail'] }).errors[0]).toContain('unknown role "webmail"');
    expect(gen({ roles: ['mx'], openssl: '1.0.2' }).errors[0]).toContain('OpenSSL');
    expect(gen({ roles: ['mx'], profile: 'paranoid' }).errors[0]).toContain('profile');
    expect(gen({ roles: ['mx'], certificates: 'pkcs12' }).errors[0]).toContain('certificate layout');
    expect(gen({ roles: ['mx'], postfix: '3.3' }).errors[0]).toContain('oldest release');
    expect(gen({ roles: ['mx'], postfix: '4.0' }).errors[0]).toContain('unknown Postfix release');
  });
});

describe('generate(): the matrix check has teeth', () => {
  // The same mistakes added to a generated configuration are caught by the engine: each of the popular
  // generator's mistakes the issue lists has a rule.
  it.each([
    ['3.11', ['mx'], 'smtpd_tls_protocols = >=TLSv1.2', 'opportunistic-tls-floor-raised'],
    ['3.11', ['send-only'], 'smtp_tls_protocols = >=TLSv1.2', 'opportunistic-tls-floor-raised'],
    ['3.11', ['mx'], 'tls_medium_cipherlist = ECDHE+AESGCM', 'cipherlist-redefined'],
    ['3.11', ['send-only'], 'tls_eecdh_auto_curves = X25519MLKEM768 X25519 prime256v1', 'post-quantum-key-share-upfront'],
    ['3.11', ['mx'], 'smtpd_tls_mandatory_protocols = >=TLSv1.2', 'mandatory-setting-unused'],
    ['3.11', ['send-only'], 'smtp_tls_mandatory_protocols = >=TLSv1.2', 'mandatory-setting-unused'],
    ['3.7', ['mx'], 'tls_ffdhe_auto_groups = ffdhe3072', 'parameter-not-available'],
    ['3.5', ['submission'], 'smtpd_tls_mandatory_protocols = >=TLSv1.2', 'protocol-range-syntax'],
    ['3.11', ['mx'], 'smtpd_tls_security_level = encrypt', 'tls-required-on-mx'],
  ])('Postfix %s, roles %j, plus "%s": %s', (postfix, rs, extra, rule) => {
    const r = gen({ roles: rs, postfix });
    const mainCf = `${r.mainCf.split('\n').filter((l) => !l.startsWith(`${extra.split(' ')[0]} `)).join('\n')}${extra}\n`;
    const found = check({ facts, postfix: r.version, files: [{ name: 'main.cf', kind: 'main', text: mainCf }, { name: 'master.cf', kind: 'master', text: stockServices + r.masterCf }] });
    expect(found.map((f) => f.rule)).toContain(rule);
  });
});

describe('generate(): releases and compatibility levels', () => {
  it('defaults to the level a fresh installation writes: 2 on 3.4 and 3.5, the release line from 3.6', () => {
    expect(lines.map((l) => freshInstallCompatibilityLevel(l))).toEqual(['2', '2', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11']);
    const r = gen({ roles: ['mx'], postfix: '3.9.2' });
    expect(r.compatibilityLevel).toBe('3.9');
    expect(r.compatibilitySource).toBe('fresh-install');
    expect(r.mainCf).toMatch(/^compatibility_level = 3\.9$/m);
  });

  it('does not repeat 3.11\'s smtp_tls_security_level = may at compatibility_level 3.11, and writes it below', () => {
    const at311 = gen({ roles: ['send-only'], postfix: '3.11' });
    expect(at311.mainCf).not.toMatch(/^smtp_tls_security_level/m);
    expect(at311.whyNot.find((w) => w.topic === 'smtp_tls_security_level')?.reason).toContain('already "may"');
    expect(gen({ roles: ['send-only'], postfix: '3.11', compatibilityLevel: '3.10' }).mainCf).toMatch(/^smtp_tls_security_level = may$/m);
    expect(gen({ roles: ['send-only'], postfix: '3.10' }).mainCf).toMatch(/^smtp_tls_security_level = may$/m);
  });

  it('explains the md5 fingerprint default below level 3.6 and stays silent from 3.6', () => {
    const topic = 'smtp_tls_fingerprint_digest, smtpd_tls_fingerprint_digest';
    expect(gen({ roles: ['mx'], postfix: '3.5' }).whyNot.some((w) => w.topic === topic)).toBe(true);
    expect(gen({ roles: ['mx'], postfix: '3.7', compatibilityLevel: '2' }).whyNot.some((w) => w.topic === topic)).toBe(true);
    expect(gen({ roles: ['mx'], postfix: '3.7' }).whyNot.some((w) => w.topic === topic)).toBe(false);
  });

  it('refuses levels the release does not know', () => {
    expect(gen({ roles: ['mx'], postfix: '3.5', compatibilityLevel: '3.6' }).errors[0]).toContain('only the levels 0, 1 and 2');
    expect(gen({ roles: ['mx'], postfix: '3.8', compatibilityLevel: '3.9' }).errors[0]).toContain('newer than Postfix');
    expect(gen({ roles: ['mx'], postfix: '3.8', compatibilityLevel: '3.3' }).errors[0]).toContain('not a level');
    expect(gen({ roles: ['mx'], postfix: '3.8', compatibilityLevel: 'high' }).errors[0]).toContain('not a compatibility_level');
  });
});

describe('generate(): roles', () => {
  it('refuses impossible combinations', () => {
    expect(gen({ roles: ['send-only', 'mx'] }).errors[0]).toMatch(/send-only .* mx/);
    expect(gen({ roles: ['dane-inbound'] }).errors[0]).toContain('add the mx role');
    expect(gen({ roles: ['relay', 'dane'] }).errors[0]).toContain('never apply');
    expect(gen({ roles: ['mta-sts'], postfix: '3.10.4', profile: 'strict' }).errors[0]).toContain('3.10.5');
    expect(gen({ roles: ['mta-sts'], postfix: '3.10.5', profile: 'strict' }).errors).toEqual([]);
    expect(gen({ roles: ['relay'], relayhost: 'smtp.example.com:25' }).errors[0]).toContain('[host]:587');
    expect(gen({ roles: ['mx'], relayhost: '[smtp.example.com]:587' }).errors[0]).toContain('only used with the relay role');
  });

  it('relays on 465 through a master.cf transport with smtp_tls_wrappermode, on 587 with STARTTLS', () => {
    const r465 = gen({ roles: ['send-only', 'relay'], relayhost: '[smtp.example.net]:465' });
    expect(r465.masterCf).toContain('smtps-relay unix');
    expect(r465.masterCf).toContain('-o smtp_tls_wrappermode=yes');
    expect(r465.mainCf).toMatch(/^default_transport = smtps-relay$/m);
    expect(r465.mainCf).toMatch(/^relayhost = \[smtp\.example\.net\]:465$/m);
    const r587 = gen({ roles: ['relay'], relayhost: '[smtp.example.net]:587' });
    expect(r587.masterCf).toBe('');
    expect(r587.mainCf).not.toContain('wrappermode');
    expect(r587.mainCf).toMatch(/^smtp_tls_security_level = encrypt$/m);
    expect(gen({ roles: ['relay'], profile: 'strict' }).mainCf).toMatch(/^smtp_tls_security_level = secure$/m);
  });

  it('writes the certificate layouts with smtpd_tls_chain_files', () => {
    expect(gen({ roles: ['mx'], hostname: 'mx.example.org' }).mainCf)
      .toContain('smtpd_tls_chain_files = /etc/letsencrypt/live/mx.example.org/privkey.pem, /etc/letsencrypt/live/mx.example.org/fullchain.pem\n');
    expect(gen({ roles: ['mx'], certificates: 'rsa-ecdsa' }).mainCf).toMatch(/smtpd_tls_chain_files = \S+rsa\.key\.pem, \S+rsa\.fullchain\.pem, \S+ecdsa\.key\.pem, \S+ecdsa\.fullchain\.pem\n/);
    expect(gen({ roles: ['mx'], certificates: 'single' }).mainCf).toContain('smtpd_tls_chain_files = /etc/postfix/tls/mail.example.com.pem\n');
  });

  it('gives TLSA guidance for dane-inbound and a resolver note for dane', () => {
    expect(gen({ roles: ['mx', 'dane-inbound'], hostname: 'mx.example.org' }).notes.join('\n')).toContain('_25._tcp.mx.example.org. IN TLSA 3 1 1');
    expect(gen({ roles: ['dane'] }).notes.join('\n')).toContain('DNSSEC-validating resolver');
    expect(gen({ roles: ['dane'] }).mainCf).toMatch(/^smtp_dns_support_level = dnssec\nsmtp_tls_security_level = dane$|smtp_tls_security_level = dane/m);
  });

  it('gives each postconf command a comment with the parameter page', () => {
    const r = gen({ roles: ['mx', 'submissions'] });
    expect(r.postconf.filter((l) => l.startsWith('postconf -e')).length).toBe(r.main.length);
    expect(r.postconf).toContain("postconf -M 'submissions/inet=submissions inet n - n - - smtpd'");
    expect(r.postconf).toContain("postconf -P 'submissions/inet/smtpd_tls_wrappermode=yes'");
    for (let i = 0; i < r.postconf.length; i += 2) expect(r.postconf[i]).toMatch(/^# /);
    expect(r.postconf).toContain('# offer STARTTLS on port 25 without requiring it (RFC 3207: a public MX must accept plaintext) — /parameters/smtpd_tls_security_level/');
  });
});

describe('postfix-tls generate', { timeout: 60_000 }, () => {
  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { facts: realFacts, version: 'test', stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
    return { code, stdout, stderr };
  }

  it('prints main.cf, master.cf, postconf commands or JSON', async () => {
    const text = await cli(['generate', '--role', 'mx,submission', '--postfix', '3.7']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('# ---- main.cf ----');
    expect(text.stdout).toContain('# ---- master.cf ----');
    expect(text.stdout).toContain('# ---- left alone on purpose ----');
    const mainCf = await cli(['generate', '--role', 'mx', '--role', 'submission', '--postfix', '3.7', '--format', 'main']);
    expect(mainCf.stdout).toBe(gen({ roles: ['mx', 'submission'], postfix: '3.7' }).mainCf);
    const master = await cli(['generate', '--role', 'submissions', '--format', 'master']);
    expect(master.stdout).toMatch(/^# port 465.*\nsubmissions inet/);
    const pc = await cli(['generate', '--role', 'send-only,relay', '--relayhost', '[smtp.example.net]:465', '--format', 'postconf', '--compat', '3.10']);
    expect(pc.stdout).toContain("postconf -e 'relayhost = [smtp.example.net]:465'");
    expect(pc.stdout).toContain("postconf -P 'smtps-relay/unix/smtp_tls_wrappermode=yes'");
    const json = await cli(['generate', '--role', 'mx', '--postfix', '3.4.1', '--openssl', '1.1.1', '--certs', 'single', '--hostname', 'mx.example.org', '--format', 'json']);
    const parsed = JSON.parse(json.stdout) as GenerateResult;
    expect(parsed.version).toBe('3.4.1');
    expect(parsed.compatibilityLevel).toBe('2');
    expect(parsed.main.find((s) => s.name === 'smtpd_tls_chain_files')?.value).toBe('/etc/postfix/tls/mx.example.org.pem');
  });

  it('exits 2 with a message for an impossible combination or an unknown option', async () => {
    const impossible = await cli(['generate', '--role', 'send-only,mx']);
    expect(impossible.code).toBe(2);
    expect(impossible.stdout).toBe('');
    expect(impossible.stderr).toMatch(/^postfix-tls: send-only .* mx/);
    for (const args of [
      ['generate'],
      ['generate', '--role', 'mx', '--format', 'sarif'],
      ['generate', '--role', 'mx', '--fail-on', 'warning'],
      ['generate', '--role', 'mx', 'main.cf'],
      ['generate', '--role', 'mx', '--colour'],
      ['check', '--role', 'mx', 'main.cf'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^postfix-tls: .+\n/);
    }
    for (const args of [['generate', '--role', 'bogus'], ['generate', '--role', 'mx', '--postfix', '3.3'], ['generate', '--role', 'mx', '--compat', '9'], ['generate', '--role', 'mx', '--openssl', '0.9.8']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('runs as the installed command does', () => {
    const r = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'bin/postfix-tls.js'), 'generate', '--role', 'mx', '--postfix', '3.11', '--format', 'main'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# what a fresh Postfix 3\.11 installation writes/);
    expect(r.stdout).toContain('smtpd_tls_security_level = may\n');
    expect(r.stdout).not.toMatch(/^smtp_tls_security_level/m);
  });
});
