import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { localizeMaster, recipeBlocks, runShellBlock, substitute } from '../recipe-blocks.ts';
import { atLeast, proofReleases } from '../releases.ts';
import { repoRoot } from '../../support/content.ts';

const enabled = postfixTierAvailable();
const VERSIONS = [['-tls1', 'TLSv1'], ['-tls1_1', 'TLSv1.1'], ['-tls1_2', 'TLSv1.2'], ['-tls1_3', 'TLSv1.3']] as const;

/** The page's "Don't do this" master.cf block that pins TLSv1.2. */
function pinnedBlock(): string {
  const text = readFileSync(join(repoRoot, 'content/recipes/protocols-mandatory-vs-opportunistic.md'), 'utf8');
  const m = /^```postfix-master expect="protocols-exclude-tls13"\n([\s\S]*?)^```$/m.exec(text);
  if (!m) throw new Error('pinned-version example not found in the recipe');
  return m[1]!;
}

describe.runIf(enabled).each(enabled ? proofReleases('protocols-mandatory-vs-opportunistic') : [])('recipe: protocols-mandatory-vs-opportunistic on Postfix $label', (release) => {
  let pf: PostfixInstance | undefined;
  let work = '';
  const port = (i: number) => pf!.ports[i]!;

  /** Which protocol versions complete a handshake on a port (STARTTLS unless implicit). */
  async function accepted(p: number, implicit = false): Promise<string[]> {
    const ok: string[] = [];
    for (const [flag, name] of VERSIONS) {
      const args = ['s_client', ...(implicit ? [] : ['-starttls', 'smtp']), '-connect', `127.0.0.1:${p}`, '-brief', flag, '-cipher', 'DEFAULT:@SECLEVEL=0'];
      const res = await capture('openssl', args, 'QUIT\n');
      const got = /Protocol version: (\S+)/.exec(res.stdout + res.stderr)?.[1];
      if (got) {
        expect(got).toBe(name);
        ok.push(name);
      }
    }
    return ok;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-protocols-'));
    const { key, cert } = createPki(work).server('mail.example.com');
    const { main, master } = recipeBlocks('protocols-mandatory-vs-opportunistic');
    // The alternative spellings from the syntax table, each on an extra submission-like service.
    const variant = (placeholder: string, value: string) =>
      `${placeholder} inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_tls_mandatory_protocols=${value}`;
    pf = await startPostfix({
      release,
      ports: 6,
      main: substitute(main, { '/etc/postfix/tls/mail.key.pem': key, '/etc/postfix/tls/mail.fullchain.pem': cert }),
      master: [
        localizeMaster(master, { smtp: '127.0.0.1:@PORT@', submission: '127.0.0.1:@PORT2@', submissions: '127.0.0.1:@PORT3@' }),
        variant('127.0.0.1:@PORT4@', '>=TLSv1.2'),
        variant('127.0.0.1:@PORT5@', 'TLSv1.2,TLSv1.3'),
        localizeMaster(pinnedBlock(), { submission: '127.0.0.1:@PORT6@' }),
      ].join('\n'),
    });
  });

  afterAll(async () => {
    await pf?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("the page's apply commands reload and show both protocol lists, encrypt on 587 and wrapper mode on 465", async () => {
    // The proof's services are named 127.0.0.1:port, not submission/submissions.
    const res = await runShellBlock('protocols-mandatory-vs-opportunistic', 'show-services', {
      instance: pf!,
      replacements: { 'submission/inet': `127.0.0.1:${port(1)}/inet`, 'submissions/inet': `127.0.0.1:${port(2)}/inet` },
    });
    expect(res.code, res.out).toBe(0);
    expect(res.stdout).toMatch(/^smtpd_tls_protocols = .+$/m);
    expect(res.stdout).toMatch(/^smtpd_tls_mandatory_protocols = .+$/m);
    expect(res.stdout).toContain(`127.0.0.1:${port(1)}/inet/smtpd_tls_security_level = encrypt`);
    expect(res.stdout).toContain(`127.0.0.1:${port(2)}/inet/smtpd_tls_wrappermode = yes`);
    await pf!.waitForLog(/reload -- version/);
  });

  it("the page's four s_client commands: TLSv1.1 refused on 587 and 465, TLSv1.2 on 587 and TLSv1.1 on 25 connect", async () => {
    const res = await runShellBlock('protocols-mandatory-vs-opportunistic', 'try-protocols', {
      replacements: { 'mail.example.com:587': `127.0.0.1:${port(1)}`, 'mail.example.com:25': `127.0.0.1:${port(0)}`, 'mail.example.com:465': `127.0.0.1:${port(2)}` },
    });
    expect(res.out.match(/alert protocol version/g) ?? []).toHaveLength(2);
    expect(res.out.match(/Protocol version: TLSv1\.1\b/g) ?? []).toHaveLength(1);
    expect(res.out.match(/Protocol version: TLSv1\.2\b/g) ?? []).toHaveLength(1);
  });

  it('port 25 (opportunistic) accepts TLSv1 through TLSv1.3', async () => {
    expect(await accepted(port(0))).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
  });

  it('submission (encrypt) and implicit TLS (wrapper mode) accept only TLSv1.2 and TLSv1.3', async () => {
    expect(await accepted(port(1))).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(await accepted(port(2), true)).toEqual(['TLSv1.2', 'TLSv1.3']);
    await pf!.waitForLog(/postfix\/submission\/smtpd\[\d+\]: warning: TLS library problem: .*unsupported protocol/);
    await pf!.waitForLog(/postfix\/submissions\/smtpd\[\d+\]: warning: TLS library problem: .*unsupported protocol/);
  });

  it('"TLSv1.2, TLSv1.3" behaves like the exclusion list on every release', async () => {
    expect(await accepted(port(4))).toEqual(['TLSv1.2', 'TLSv1.3']);
  });

  it('">=TLSv1.2" behaves like the exclusion list from 3.6 on, and disables TLS on 3.4 and 3.5', async () => {
    const invalid = /postfix\/smtpd\[\d+\]: warning: Invalid TLS protocol list ">=TLSv1\.2": disabling TLS support/;
    if (atLeast(release, '3.6')) {
      expect(await accepted(port(3))).toEqual(['TLSv1.2', 'TLSv1.3']);
      expect(pf!.log()).not.toMatch(/Invalid TLS protocol list/);
    } else {
      expect(await accepted(port(3))).toEqual([]);
      await pf!.waitForLog(invalid);
      // STARTTLS is still offered, but refused; the service requires TLS, so no mail gets in at all.
      const tls = await capture('swaks', ['--server', `127.0.0.1:${port(3)}`, '--tls', '--quit-after', 'MAIL', '--from', 'a@example.org']);
      expect(tls.stdout).toMatch(/<-\s+250-STARTTLS/);
      expect(tls.stdout).toMatch(/<\*\* 454 4\.7\.0 TLS not available due to local problem/);
      const plain = await capture('swaks', ['--server', `127.0.0.1:${port(3)}`, '--quit-after', 'MAIL', '--from', 'a@example.org']);
      expect(plain.stdout).toMatch(/<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
    }
    // Neither postconf nor postfix check judges the value, on any release: only smtpd does.
    const shown = await capture(pf!.command('postconf'), ['-c', pf!.dir, '-P', '*/inet/smtpd_tls_mandatory_protocols']);
    expect(shown.stdout).toContain(`127.0.0.1:${port(3)}/inet/smtpd_tls_mandatory_protocols = >=TLSv1.2`);
    expect(shown.stderr).not.toMatch(/TLSv1\.2|protocol/i);
    const check = await capture(pf!.command('postfix'), ['-c', pf!.dir, 'check']);
    expect(check.status).toBe(0);
    expect(check.stdout + check.stderr).not.toMatch(/TLSv1\.2|protocol/i);
    expect(pf!.log()).not.toMatch(/postfix\/(postfix-script|postfix|postconf)\[\d+\]: .*(TLSv1\.2|protocol)/i);
  });

  it('postconf -d prints the range form as the default from 3.6 on, exclusions before', async () => {
    const res = await pf!.postconf('-d', 'smtpd_tls_protocols', 'smtpd_tls_mandatory_protocols');
    expect(res.stdout.trim().split('\n')).toEqual(atLeast(release, '3.6')
      ? ['smtpd_tls_protocols = >=TLSv1', 'smtpd_tls_mandatory_protocols = >=TLSv1']
      : ['smtpd_tls_protocols = !SSLv2, !SSLv3', 'smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3']);
  });

  it('the pinned list "TLSv1.2" refuses TLSv1.3', async () => {
    expect(await accepted(port(5))).toEqual(['TLSv1.2']);
  });

  it("the page's roll back removes the floor: 587 and 465 accept TLSv1 and TLSv1.1 again", async () => {
    const res = await runShellBlock('protocols-mandatory-vs-opportunistic', 'rollback', { instance: pf! });
    expect(res.code, res.out).toBe(0);
    await pf!.waitForLog(/reload -- version[\s\S]*reload -- version/);
    const { stdout } = await pf!.postconf('-n');
    expect(stdout).not.toMatch(/^smtpd_tls_mandatory_protocols =/m);
    // Give the master time to replace the old smtpd processes, then probe.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await accepted(port(1))).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    expect(await accepted(port(2), true)).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
  });
});
