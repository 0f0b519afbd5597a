import { existsSync } from 'node:fs';

/**
 * Decides whether a test tier that needs system software can run. Locally a missing tier is skipped
 * with a loud banner saying how to enable it; under CI=true it is a failure, so CI never goes green
 * with a tier silently missing.
 */
export function requireTier(tier: string, missing: string[], howToEnable: string): boolean {
  if (missing.length === 0) return true;
  const message = `${tier} tier cannot run: missing ${missing.join(', ')}. ${howToEnable}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing tier fails the run)`);
  const bar = '!'.repeat(Math.min(100, message.length + 8));
  console.warn(`\n${bar}\n!!! SKIPPING ${message}\n${bar}\n`);
  return false;
}

export const INSTALL_HINT = 'Run `bash scripts/install-test-deps.sh` as root (installs postfix, openssl, swaks, chromium).';

export const missingCommands = (paths: Record<string, string>) =>
  Object.entries(paths).filter(([, p]) => !existsSync(p)).map(([name]) => name);
