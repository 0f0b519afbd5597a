// Every recipe page has the same spine: Before you start, Apply, Verify, Roll back, Mistakes to avoid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import { recipeSpineProblems } from '../../src/markdown/recipe-spine.ts';
import { repoRoot } from '../support/content.ts';

const good = [
  '## Before you start', '', 'Postfix 3.4 or later with a certificate for the MX name.', '',
  '## Which key', '', 'Background.', '',
  '## Apply', '', '```sh', 'postfix check && postfix reload', '```', '',
  '## Verify', '', 'Look at the log.', '',
  '## Roll back', '', '```sh', 'postconf -X smtpd_tls_security_level', '```', '',
  '## Mistakes to avoid', '', '- **Requiring TLS on port 25.** It rejects mail.', '  Second line of the item.', '',
].join('\n');

describe('recipe spine', async () => {
  const { content } = await loadContentDir(repoRoot);
  for (const r of content.recipes) {
    it(`${r.doc.file} has the spine`, () => {
      expect(recipeSpineProblems(r.doc.file, readFileSync(join(repoRoot, r.doc.file), 'utf8'))).toEqual([]);
    });
  }

  it('accepts a page with the spine and background before Apply', () => {
    expect(recipeSpineProblems('p.md', good)).toEqual([]);
  });

  it('names what is missing, out of order, after Verify, or not in the one form', () => {
    expect(recipeSpineProblems('p.md', good.replace('## Roll back', '## Undo'))).toEqual([
      'p.md: missing the section "## Roll back"',
      expect.stringMatching(/^p\.md:19: "## Undo" after Verify/),
    ]);
    expect(recipeSpineProblems('p.md', good.replace('## Which key', '## Mistakes to avoid').replace(/## Mistakes to avoid\n\n- \*\*/, '## Notes\n\n- **'))).toEqual(expect.arrayContaining([
      expect.stringMatching(/"## Mistakes to avoid" must be the last section, not "## Notes"/),
    ]));
    expect(recipeSpineProblems('p.md', good.replace('postfix check && ', ''))).toEqual([expect.stringMatching(/^p\.md:9: "Apply" must show `postfix check`/)]);
    expect(recipeSpineProblems('p.md', good.replace('- **Requiring TLS on port 25.**', '- Requiring TLS on port 25:'))).toEqual([expect.stringMatching(/^p\.md:27: each mistake opens with a bold phrase/)]);
    expect(recipeSpineProblems('p.md', good.replace('```sh\npostconf -X smtpd_tls_security_level\n```', 'Remove the setting.'))).toEqual([expect.stringMatching(/"Roll back" must show the commands/)]);
    expect(recipeSpineProblems('p.md', `Intro.\n\n## Setup\n\nx\n\n${good}`)).toEqual([expect.stringMatching(/^p\.md:3: the first section must be "## Before you start", not "## Setup"/)]);
  });

  it('ignores headings inside code fences', () => {
    expect(recipeSpineProblems('p.md', good.replace('```sh\npostfix check', '```sh\n## Verify\npostfix check'))).toEqual([]);
  });
});
