// The real content must lint clean, and a broken file must fail lint AND the site build with file:line:field.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const node = process.execPath;
const runNode = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(node, args, { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', ...env } });

describe('content lint', () => {
  it('passes on the committed content', () => {
    const res = runNode(['scripts/lint-content.ts']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^content ok: \d+ parameters/);
  });
});

describe('a deliberately broken data file', () => {
  const work = mkdtempSync(join(tmpdir(), 'pf-content-'));
  const broken = join(work, 'content');
  cpSync(join(root, 'content'), broken, { recursive: true });
  const file = join(broken, 'parameters/smtpd_tls_security_level.yaml');
  const text = readFileSync(file, 'utf8');
  const line = text.split('\n').findIndex((l) => l.startsWith('since:')) + 1;
  writeFileSync(file, text.replace(/^since: .*$/m, 'since: "3.15"'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const expected = `parameters/smtpd_tls_security_level.yaml:${line}: field "since": "3.15" is not a known Postfix release`;

  it('fails lint with file:line:field and no stack trace', () => {
    const res = runNode(['scripts/lint-content.ts', broken]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(expected);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });

  it('fails the site build with the same message and no stack trace', () => {
    const res = runNode(['node_modules/astro/bin/astro.mjs', 'build', '--outDir', join(work, 'dist')], { POSTFIX_TLS_CONTENT: broken, ASTRO_CACHE_DIR: join(work, 'cache') });
    const output = res.stdout + res.stderr;
    expect(res.status).not.toBe(0);
    expect(output).toContain(expected);
    expect(output).not.toMatch(/^\s+at /m);
  });
});

describe('a recipe block with a misspelt parameter', () => {
  const work = mkdtempSync(join(root, '.test-builds-content-'));
  const copy = join(work, 'content');
  cpSync(join(root, 'content'), copy, { recursive: true });
  const recipe = join(copy, 'recipes/inbound-opportunistic-starttls.md');
  const text = readFileSync(recipe, 'utf8');
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.startsWith('smtpd_tls_security_level = may')) + 1;
  // Misspell the setting in the config block itself (the prose mentions the same setting earlier).
  lines[line - 1] = lines[line - 1]!.replace('smtpd_tls_security_level', 'smtpd_tls_security_levle');
  writeFileSync(recipe, lines.join('\n'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('fails the site build naming the recipe file, the line and the finding', () => {
    const res = runNode(['node_modules/astro/bin/astro.mjs', 'build', '--outDir', join(work, 'dist')], { POSTFIX_TLS_CONTENT: copy, ASTRO_CACHE_DIR: join(work, 'cache') });
    const output = res.stdout + res.stderr;
    expect(res.status).not.toBe(0);
    expect(line).toBeGreaterThan(1);
    expect(output).toMatch(new RegExp(`recipes/inbound-opportunistic-starttls\\.md:${line}: postfix-main block on Postfix [\\d.]+: unexpected warning "unknown-parameter"`));
  });
});
