import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../certs.ts';
import { capture, postfixTierAvailable, startPostfix, type PostfixInstance } from '../harness.ts';
import { localizeMaster, recipeBlocks, substitute } from '../recipe-blocks.ts';
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

describe.runIf(enabled)('recipe: protocols-mandatory-vs-opportunistic', () => {
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

  it('port 25 (opportunistic) accepts TLSv1 through TLSv1.3', async () => {
    expect(await accepted(port(0))).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
  });

  it('submission (encrypt) and implicit TLS (wrapper mode) accept only TLSv1.2 and TLSv1.3', async () => {
    expect(await accepted(port(1))).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(await accepted(port(2), true)).toEqual(['TLSv1.2', 'TLSv1.3']);
    await pf!.waitForLog(/postfix\/submission\/smtpd\[\d+\]: warning: TLS library problem: .*unsupported protocol/);
    await pf!.waitForLog(/postfix\/submissions\/smtpd\[\d+\]: warning: TLS library problem: .*unsupported protocol/);
  });

  it('">=TLSv1.2" and "TLSv1.2, TLSv1.3" behave like the exclusion list', async () => {
    expect(await accepted(port(3))).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(await accepted(port(4))).toEqual(['TLSv1.2', 'TLSv1.3']);
  });

  it('the pinned list "TLSv1.2" refuses TLSv1.3', async () => {
    expect(await accepted(port(5))).toEqual(['TLSv1.2']);
  });
});
