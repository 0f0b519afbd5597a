// Validates content/ and prints one `file:line: field "x": reason` line per problem. Exit 1 on any problem.
import { resolve } from 'node:path';
import { formatProblem } from '../src/lib/content-lint/index.ts';
import { loadContentDir } from '../src/lib/content-lint/content-dir.ts';

const root = process.cwd();
const contentDir = resolve(root, process.argv[2] ?? process.env.POSTFIX_TLS_CONTENT ?? 'content');
try {
  const { content, problems } = await loadContentDir(root, contentDir);
  for (const p of problems) console.error(formatProblem(p));
  if (problems.length > 0) {
    console.error(`\n${problems.length} problem(s) in content. Fix them and run npm run lint:content again.`);
    process.exit(1);
  }
  console.log(
    `content ok: ${content.parameters.length} parameters, ${content.releases.length} releases, ` +
      `${content.protocols.length} protocols, ${content.cipherGrades.length} cipher grades, ` +
      `${content.securityLevels.length} security levels, ${content.recipes.length} recipes`,
  );
} catch (err) {
  console.error(`lint:content: cannot read ${contentDir}: ${(err as Error).message}`);
  process.exit(2);
}
