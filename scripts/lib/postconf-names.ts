// The parameter names of the installed Postfix, as `postconf -d` prints them for an empty main.cf and the
// stock master.cf (which decides the per-transport names such as relay_destination_rate_delay).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stockMasterCf } from '../../src/lib/config/stock-master-cf.ts';

export function postconfParameterNames(): { version: string; names: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'postconf-names-'));
  try {
    writeFileSync(join(dir, 'main.cf'), '');
    writeFileSync(join(dir, 'master.cf'), stockMasterCf);
    const res = spawnSync('postconf', ['-c', dir, '-d'], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`postconf -d failed: ${res.stderr || res.error?.message}`);
    const pairs = [...res.stdout.matchAll(/^(\S+) =/gm)].map((m) => m[1]!);
    const full = /^mail_version = (\d+\.\d+)/m.exec(res.stdout)?.[1];
    if (!full) throw new Error('postconf -d printed no mail_version');
    return { version: full, names: [...new Set(pairs)] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
