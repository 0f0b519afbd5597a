// Builds the site once, serves dist/ on a free 127.0.0.1 port and hands the URL to the e2e tests.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { serveStatic } from '../support/static-server.ts';
import { INSTALL_HINT, missingCommands, requireTier } from '../support/tiers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (!requireTier('e2e', missingCommands({ chromium: '/usr/bin/chromium' }), INSTALL_HINT)) {
    project.provide('baseUrl', '');
    return;
  }
  const root = resolve(import.meta.dirname, '../..');
  const build = spawnSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' }, timeout: 600_000,
  });
  if (build.status !== 0) throw new Error(`astro build failed:\n${build.stdout.slice(-3000)}\n${build.stderr.slice(-3000)}`);
  const { url, server } = await serveStatic(resolve(root, 'dist'));
  project.provide('baseUrl', url);
  return () => new Promise<void>((done) => server.close(() => done()));
}
