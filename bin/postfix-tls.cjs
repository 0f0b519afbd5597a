#!/usr/bin/env node
'use strict';
// Launcher for the postfix-tls CLI (CommonJS: Node starts it a little faster than an ES module).
//
// Installed from the package (npm pack, then npm install -g or npx), it runs build/postfix-tls.cjs: plain
// JavaScript with the facts built in, for Node 20 and later. In a clone of the repository (src/ is there) it
// runs the TypeScript sources with the facts read from content/, so edits show at once; that needs a Node that
// strips types (22.18+/24), so an older Node re-runs this file with the project's own Node 24 from node_modules.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

if (!fs.existsSync(path.join(root, 'src', 'cli', 'main.ts'))) {
  runBundle(path.join(root, 'build', 'postfix-tls.cjs'));
} else {
  runClone().catch((e) => {
    process.stderr.write(`postfix-tls: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
}

/**
 * Runs the bundle with V8's compiled code of it kept between runs: that saves about a third of the CLI's own
 * start-up work on Node 20, which has no module compile cache. The code cache lives in the user's own cache
 * folder (~/.cache/postfix-tls/code, mode 700), never in a shared temporary folder, and is keyed by the bundle
 * file and the Node version; V8 rejects a cache that does not fit, and the CLI then compiles as usual.
 */
function runBundle(file) {
  const vm = require('node:vm');
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = codeCachePath(file);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // First run: compile, and write the cache at exit.
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    // Written at exit, so that it also holds the functions this run compiled: most of what a check needs.
    process.once('exit', () => {
      try {
        const dir = path.dirname(cacheFile);
        for (const old of fs.readdirSync(dir)) if (old.startsWith('code-')) fs.rmSync(path.join(dir, old), { force: true });
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
      } catch {
        // The cache is only an optimisation.
      }
    });
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require('node:module').createRequire(file), mod, file, path.dirname(file));
}

/** The code cache file when ~/.cache/postfix-tls/code is this user's own and no one else can write there. */
function codeCachePath(bundleFile) {
  try {
    const base = process.env.XDG_CACHE_HOME || (process.env.HOME && path.join(process.env.HOME, '.cache'));
    if (!base || process.env.POSTFIX_TLS_NO_CODE_CACHE) return undefined;
    const dir = path.join(base, 'postfix-tls', 'code');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    if ((process.getuid && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return undefined;
    const b = fs.statSync(bundleFile);
    return path.join(dir, `code-${process.version}-${process.arch}-${b.size}-${Math.round(b.mtimeMs)}-${b.ino}.bin`);
  } catch {
    return undefined;
  }
}

async function runClone() {
  const { spawnSync } = require('node:child_process');
  const { pathToFileURL } = require('node:url');
  const projectNode = () => {
    const direct = path.join(root, 'node_modules', 'node', 'bin', 'node');
    if (fs.existsSync(direct)) return direct;
    try {
      return require.resolve('node/bin/node', { paths: [root] });
    } catch {
      return undefined;
    }
  };

  if (process.features && process.features.typescript) {
    // Keep V8's compiled code of the CLI and engine between runs: it halves start-up (about 0.4 s to 0.2 s).
    // Best effort: without a writable cache folder the CLI just compiles again.
    try {
      require('node:module').enableCompileCache?.(path.join(root, 'node_modules', '.cache', 'postfix-tls', 'compile'));
    } catch {
      // ignore
    }
    const { run } = await import(pathToFileURL(path.join(root, 'scripts', 'postfix-tls-dev.ts')).href);
    await run(process.argv.slice(2));
    return;
  }
  const node = projectNode();
  if (!node || node === process.execPath || process.env.POSTFIX_TLS_REEXEC) {
    process.stderr.write(`postfix-tls: in a clone of the repository this needs Node 22.18 or later (this is ${process.version}); run "npm install" to get the project's Node 24\n`);
    process.exit(2);
  }
  const result = spawnSync(node, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, POSTFIX_TLS_REEXEC: '1' },
  });
  process.exit(result.status ?? 2);
}
