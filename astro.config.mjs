// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { unified } from '@astrojs/markdown-remark';
import { contentLint } from './src/integrations/content-lint.ts';
import { recipeBlockGate } from './src/integrations/recipe-block-gate.ts';
import { postfixGrammars } from './src/markdown/grammars/index.ts';
import { searchRanking } from './src/search-ranking.ts';
import { groupRecipes } from './src/utils/recipe-groups.ts';
import { remarkCheckConfig } from './src/markdown/remark-check-config.ts';
import { parameterLinks } from './src/markdown/expressive-code-parameter-links.ts';
import { printIndent } from './src/markdown/expressive-code-print-indent.ts';
import { loadContentDir } from './src/lib/content-lint/content-dir.ts';
import { factsDataFromContent, factsFromData } from './src/lib/facts.ts';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

// POSTFIX_TLS_CONTENT lets tests build a copy of content/ (e.g. with a deliberately broken file).
const contentDir = process.env.POSTFIX_TLS_CONTENT ?? './content';
const root = fileURLToPath(new URL('.', import.meta.url));
// Facts for the recipe block checker; content problems are reported by the contentLint integration.
const { content } = await loadContentDir(root, resolve(root, contentDir));
const facts = factsFromData(factsDataFromContent(content));
const recipeSidebar = groupRecipes(content.recipes.map((r) => r.value)).map((g) => ({
  label: g.label,
  collapsed: true,
  items: g.items.map((r) => ({ label: r.title, link: `/recipes/${r.slug}/` })),
}));
/** Filled by the recipe block checker; the gate integration fails the build if anything lands here. */
/** @type {string[]} */
const blockProblems = [];

export default defineConfig({
  output: 'static',
  // Tests that build a modified copy of content/ use their own cache, so no stale render is reused.
  ...(process.env.ASTRO_CACHE_DIR ? { cacheDir: process.env.ASTRO_CACHE_DIR } : {}),
  trailingSlash: 'always',
  vite: {
    // The checker's Web Worker (src/lib/checker/worker.ts) is an ES module, like the page scripts.
    worker: { format: 'es' },
    // Search UI and its styles on demand: see src/scripts/lazy-pagefind-ui.ts.
    resolve: {
      alias: [
        { find: /^@pagefind\/default-ui$/, replacement: fileURLToPath(new URL('./src/scripts/lazy-pagefind-ui.ts', import.meta.url)) },
        { find: /^@pagefind\/default-ui\/css\/ui\.css$/, replacement: fileURLToPath(new URL('./src/styles/empty.css', import.meta.url)) },
      ],
    },
  },
  markdown: {
    // The unified (remark) processor: recipe config blocks are checked by a remark plugin.
    processor: unified({ remarkPlugins: [remarkCheckConfig({ facts, onProblems: (lines) => blockProblems.push(...lines) })] }),
  },
  integrations: [
    contentLint({ contentDir }),
    recipeBlockGate(blockProblems),
    starlight({
      title: 'Postfix TLS',
      description: 'Tested recipes, a version-aware parameter reference and a config checker for Postfix TLS.',
      // src/pages/404.astro: "not found" with the nearest page to the mistyped address.
      disable404Route: true,
      pagefind: { ranking: searchRanking },
      components: { Head: './src/components/Head.astro' },
      customCss: ['./src/styles/site.css'],
      expressiveCode: { shiki: { langs: postfixGrammars }, plugins: [parameterLinks(new Set(facts.parameters.keys())), printIndent()] },
      sidebar: [
        { label: 'Start here', link: '/' },
        { label: 'Check your config', link: '/check/' },
        { label: 'Generate a config', link: '/generate/' },
        { label: 'Explain log lines', link: '/explain/' },
        {
          label: 'Reference',
          items: [
            { label: 'Parameters', link: '/parameters/' },
            { label: 'Security levels', link: '/security-levels/' },
            { label: 'Protocols', link: '/protocols/' },
            { label: 'Cipher grades', link: '/cipher-grades/' },
            { label: 'Changes by release', link: '/releases/' },
            { label: 'Checker rules', link: '/rules/' },
          ],
        },
        { label: 'Recipes', items: [{ label: 'All recipes', link: '/recipes/' }, ...recipeSidebar] },
      ],
    }),
  ],
});
