// Builds the site once, serves dist/ on a free 127.0.0.1 port and hands the URL to the e2e tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { serveStatic } from '../support/static-server.ts';
import { INSTALL_HINT, missingCommands, requireTier } from '../support/tiers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The built site served at baseUrl. */
    distDir: string;
  }
}

export default async function setup(project: TestProject) {
  if (!requireTier('e2e', missingCommands({ chromium: '/usr/bin/chromium' }), INSTALL_HINT)) {
    project.provide('baseUrl', '');
    project.provide('distDir', '');
    return;
  }
  const root = resolve(import.meta.dirname, '../..');
  // NODE_ENV=production: vitest sets "test", which makes Vite build a different (non-production) bundle.
  // A private output dir (inside the project, so Astro keeps its prerender chunks there too) and cache per
  // run: a concurrent build elsewhere cannot swap files under the tests, and no stale render is reused.
  mkdirSync(join(root, '.test-builds'), { recursive: true });
  const dist = mkdtempSync(join(root, '.test-builds', 'site-'));
  const build = spawnSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build', '--outDir', dist], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1', ASTRO_CACHE_DIR: `${dist}-cache` }, timeout: 600_000,
  });
  if (build.status !== 0) throw new Error(`astro build failed:\n${build.stdout.slice(-3000)}\n${build.stderr.slice(-3000)}`);
  const { url, server } = await serveStatic(dist);
  project.provide('baseUrl', url);
  project.provide('distDir', dist);
  return () => new Promise<void>((done) => server.close(() => done())).then(() => {
    rmSync(dist, { recursive: true, force: true });
    rmSync(`${dist}-cache`, { recursive: true, force: true });
  });
}
