// The parameter names of a Postfix installation, as its `postconf -d` prints them for an empty main.cf and
// the stock master.cf (which decides the per-transport names such as relay_destination_rate_delay).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stockMasterCf } from '../../src/lib/config/stock-master-cf.ts';

/** `sbin`: the directory of the installation's postconf (default: the one on PATH). */
export function postconfParameterNames(sbin?: string): { version: string; names: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'postconf-names-'));
  try {
    const past = new Date(Date.now() - 60_000);
    for (const [file, text] of [['main.cf', ''], ['master.cf', stockMasterCf]] as const) {
      writeFileSync(join(dir, file), text);
      utimesSync(join(dir, file), past, past); // a config file from "just now" makes postconf wait
    }
    const res = spawnSync(sbin ? join(sbin, 'postconf') : 'postconf', ['-c', dir, '-d'], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`postconf -d failed: ${res.stderr || res.error?.message}`);
    const pairs = [...res.stdout.matchAll(/^(\S+) =/gm)].map((m) => m[1]!);
    // A renamed parameter's old name lives on only as a reference in its successor's default
    // (${fallback_relay...}); postconf accepts it in main.cf without an "unused parameter" warning.
    const referenced = [...res.stdout.matchAll(/\$\{?([a-z][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    const version = /^mail_version = (\d+\.\d+\.\d+)/m.exec(res.stdout)?.[1];
    if (!version) throw new Error('postconf -d printed no mail_version');
    return { version, names: [...new Set([...pairs, ...referenced])] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
