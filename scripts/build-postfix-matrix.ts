// Builds every Postfix release in the source directory (../shared/postfix-src, or $POSTFIX_SRC_DIR) into
// the matrix cache; already-built releases are reused. $POSTFIX_RELEASES limits it to a subset.
// Exit 0 with a loud note when there are no sources (a clone without ../shared), unless CI=true.
import { buildRelease, cacheDir, pruneCache, selectReleases, sourceDir, sourceTarballs } from './lib/postfix-matrix.ts';

const say = (line: string) => process.stderr.write(`[postfix-matrix] ${line}\n`);
const tarballs = sourceTarballs();
if (tarballs.length === 0) {
  const msg = `no Postfix sources in ${sourceDir()} (set POSTFIX_SRC_DIR to a directory with postfix-X.Y.Z.tar.gz and SHA256SUMS)`;
  if (process.env.CI === 'true') {
    say(`${msg}; CI=true: the release-matrix tier cannot run`);
    process.exit(1);
  }
  say(`!!! ${msg}; the release-matrix tier will be skipped`);
  process.exit(0);
}
const picked = selectReleases(tarballs.map((t) => ({ ...t, id: t.version, distribution: false })));
say(`${picked.length} release(s) into ${cacheDir()}: ${picked.map((t) => t.version).join(', ')}`);
pruneCache(tarballs);
for (const t of picked) {
  try {
    buildRelease(t, say);
  } catch (e) {
    say((e as Error).message);
    process.exit(1);
  }
}
say('all releases ready');
