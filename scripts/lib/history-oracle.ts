// The upstream history as the tests and maintenance scripts use it: the vendored archive
// (test/oracle/postfix-history.tar.xz) read once, with the reviewed exceptions beside it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { compareVersions } from '../../src/lib/versions.ts';
import { readHistory, type HistoryParameter } from './postfix-history.ts';

const root = resolve(import.meta.dirname, '../..');
export const historyArchivePath = join(root, 'test/oracle/postfix-history.tar.xz');
export const historyExceptionsPath = join(root, 'test/content/history-exceptions.yaml');

export interface HistoryDefaults {
  /** Every release 2.2.0 … 3.11.6, in version order. */
  releases: readonly string[];
  /** The default as postconf -d prints it there, whitespace normalised; undefined: not a parameter there. */
  valueOf(name: string, release: string): string | undefined;
  /** True when mail_params.h of that release defines the name, even where the default is computed at run time. */
  has(name: string, release: string): boolean;
  byRelease: ReadonlyMap<string, ReadonlyMap<string, HistoryParameter>>;
}

/** Collapses whitespace and the spacing around list separators, as the postconf comparisons do. */
export const normaliseValue = (v: string) => v.replace(/\s+/g, ' ').replace(/\s*,\s*/g, ', ').trim();

let cached: HistoryDefaults | undefined;

export function historyDefaults(): HistoryDefaults {
  if (cached) return cached;
  const byRelease = readHistory(historyArchivePath);
  cached = {
    releases: [...byRelease.keys()],
    byRelease,
    has: (name, release) => byRelease.get(release)?.has(name) ?? false,
    valueOf: (name, release) => {
      const d = byRelease.get(release)?.get(name)?.default;
      return d === undefined ? undefined : normaliseValue(d);
    },
  };
  return cached;
}

/** A reviewed difference between the data and the history, with why the data is right. */
export interface HistoryException {
  /** Releases the exception covers (X.Y.Z); absent, and no `before`: every release. */
  releases?: string[];
  /** Or: every release older than this one (X.Y.Z). */
  before?: string;
  reason: string;
  source: string;
}

/** Whether an exception covers a release. */
export function exceptionCovers(e: HistoryException, release: string): boolean {
  if (e.releases) return e.releases.includes(release);
  if (e.before) return compareVersions(release, e.before) < 0;
  return true;
}

export function historyExceptions(): Map<string, HistoryException> {
  const raw = parse(readFileSync(historyExceptionsPath, 'utf8')) as Record<string, HistoryException> | null;
  return new Map(Object.entries(raw ?? {}));
}
