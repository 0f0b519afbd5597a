// Builds the release matrix before the postfix tier runs (reusing the per-machine cache), so every test can
// start any release. Without the sources the matrix part of the tier is skipped loudly, or fails under CI=true.
import { buildRelease, selectReleases, sourceDir, sourceTarballs } from '../../scripts/lib/postfix-matrix.ts';
import { requireTier } from '../support/tiers.ts';

export default function setup(): void {
  const tarballs = sourceTarballs();
  const available = requireTier('release-matrix', tarballs.length ? [] : [`Postfix sources in ${sourceDir()}`],
    'Put the postfix-X.Y.Z.tar.gz files and SHA256SUMS there (they come with the shared folder beside the clone), or name their directory in POSTFIX_SRC_DIR.');
  if (!available) return;
  const picked = selectReleases(tarballs.map((t) => ({ ...t, id: t.version, distribution: false })));
  for (const t of picked) buildRelease(t, (line) => process.stderr.write(`[postfix-matrix] ${line}\n`));
}
