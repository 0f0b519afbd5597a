#!/usr/bin/env node
// Launcher for the postfix-tls CLI. The CLI is TypeScript run directly by a Node that strips types
// (Node 22.18+/24). When an older Node from PATH starts this file, re-run it with the project's own
// Node 24 (the "node" package in node_modules) and pass the exit code through.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');

function projectNode() {
  const direct = join(root, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(direct)) return direct;
  try {
    return createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    return undefined;
  }
}

if (process.features && process.features.typescript) {
  // Keep V8's compiled code of the CLI and engine between runs: it halves start-up (about 0.4 s to 0.2 s).
  // Best effort: without a writable cache folder the CLI just compiles again.
  try {
    module.enableCompileCache?.(join(root, 'node_modules', '.cache', 'postfix-tls', 'compile'));
  } catch {
    // ignore
  }
  try {
    const { main } = await import(pathToFileURL(join(root, 'scripts', 'cli.ts')).href);
    process.exitCode = await main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`postfix-tls: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
} else {
  const node = projectNode();
  if (!node || node === process.execPath || process.env.POSTFIX_TLS_REEXEC) {
    process.stderr.write(`postfix-tls: needs Node 22.18 or later (this is ${process.version}); run "npm install" to get the project's Node 24\n`);
    process.exit(2);
  }
  const result = spawnSync(node, [self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, POSTFIX_TLS_REEXEC: '1' },
  });
  process.exit(result.status ?? 2);
}
