// Reads a recipe's published config blocks so proof tests run exactly what the page shows, then adapts
// them to a throwaway instance: certificate paths become the test PKI's files, public ports become free
// 127.0.0.1 ports, and chroot is turned off.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedRules } from '../../src/markdown/config-blocks.ts';
import { shellBlocksOf } from '../../src/markdown/shell-blocks.ts';
import type { PostfixInstance } from './harness.ts';
import { repoRoot } from '../support/content.ts';

export interface RecipeBlocks {
  main: string;
  master: string;
  policy: string;
}

/** The clean (not anti-pattern) postfix-* blocks of content/recipes/<slug>.md, joined per kind. */
export function recipeBlocks(slug: string): RecipeBlocks {
  const text = readFileSync(join(repoRoot, 'content/recipes', `${slug}.md`), 'utf8');
  const out: Record<string, string[]> = { main: [], master: [], policy: [] };
  for (const m of text.matchAll(/^```postfix-(main|master|policy)([^\n]*)\n([\s\S]*?)^```\s*$/gm)) {
    if (expectedRules(m[2]).length === 0) out[m[1]!]!.push(m[3]!);
  }
  return { main: out.main!.join('\n'), master: out.master!.join('\n'), policy: out.policy!.join('\n') };
}

/** Replaces every occurrence of each key (e.g. "/etc/postfix/tls/mx.key.pem") with its value. */
export function substitute(text: string, replacements: Record<string, string>): string {
  return Object.entries(replacements).reduce((t, [from, to]) => t.replaceAll(from, to), text);
}

/**
 * Rewrites master.cf service lines: `ports` maps a service name or port as written in the recipe
 * (smtp, submission, submissions, 465...) to a placeholder such as "127.0.0.1:@PORT2@"; chroot becomes n.
 */
export function localizeMaster(text: string, ports: Record<string, string>): string {
  return text.split('\n').map((line) => {
    const m = /^(\S+)(\s+)(inet|unix|unix-dgram|fifo|pass)(\s+)(\S+)(\s+)(\S+)(\s+)(\S+)(.*)$/.exec(line);
    if (!m) return line;
    const [, service, s1, type, s2, priv, s3, unpriv, s4, , rest] = m;
    const name = ports[service!] ?? service;
    return `${name}${s1}${type}${s2}${priv}${s3}${unpriv}${s4}n${rest}`;
  }).join('\n');
}

/**
 * The text of the shell block ```sh id="<id>"``` of content/recipes/<slug>.md. Calling it with literal
 * arguments is how a proof claims the block: test/content/recipe-shell-blocks.test.ts reads these calls.
 */
export function shellBlock(slug: string, id: string): string {
  const text = readFileSync(join(repoRoot, 'content/recipes', `${slug}.md`), 'utf8');
  const block = shellBlocksOf(text).find((b) => b.id === id);
  if (!block) throw new Error(`content/recipes/${slug}.md has no shell block id="${id}"`);
  if (block.notRun !== undefined) throw new Error(`content/recipes/${slug}.md: block "${id}" is marked not-run`);
  return block.text;
}

/**
 * Runs shell block `id` verbatim under bash against an instance: only the placeholders in `replacements`
 * (host names, ports, paths) are substituted. The instance's commands come first on PATH and MAIL_CONFIG
 * names its configuration, so `postconf`, `postmap` and `postfix reload` act on the instance.
 */
export function runShellBlock(slug: string, id: string, opts: { instance?: PostfixInstance; replacements?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; out: string; stdout: string; stderr: string }> {
  const script = substitute(shellBlock(slug, id), opts.replacements ?? {});
  const env = { ...process.env };
  if (opts.instance) {
    env.PATH = `${opts.instance.release.sbin}:${env.PATH ?? ''}`;
    env.MAIL_CONFIG = opts.instance.dir;
  }
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d.toString('latin1'); });
    child.stderr.on('data', (d) => { stderr += d.toString('latin1'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out: stdout + stderr, stdout, stderr }); });
  });
}
