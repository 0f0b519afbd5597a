// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { unified } from '@astrojs/markdown-remark';
import { contentLint } from './src/integrations/content-lint.ts';
import { postfixGrammars } from './src/markdown/grammars/index.ts';
import { searchRanking } from './src/search-ranking.ts';

// POSTFIX_TLS_CONTENT lets tests build a copy of content/ (e.g. with a deliberately broken file).
const contentDir = process.env.POSTFIX_TLS_CONTENT ?? './content';

export default defineConfig({
  output: 'static',
  trailingSlash: 'always',
  markdown: {
    // The unified (remark) processor: recipe config blocks are checked by a remark plugin.
    processor: unified({ remarkPlugins: [] }),
  },
  integrations: [
    contentLint({ contentDir }),
    starlight({
      title: 'Postfix TLS',
      description: 'Tested recipes, a version-aware parameter reference and a config checker for Postfix TLS.',
      disable404Route: false,
      pagefind: { ranking: searchRanking },
      components: { Head: './src/components/Head.astro' },
      expressiveCode: { shiki: { langs: postfixGrammars } },
      sidebar: [
        { label: 'Start here', link: '/' },
        {
          label: 'Reference',
          items: [
            { label: 'Parameters', link: '/parameters/' },
            { label: 'Security levels', link: '/security-levels/' },
            { label: 'Protocols', link: '/protocols/' },
            { label: 'Cipher grades', link: '/cipher-grades/' },
            { label: 'Changes by release', link: '/releases/' },
          ],
        },
        {
          label: 'Recipes',
          items: [{ label: 'All recipes', link: '/recipes/' }],
        },
      ],
    }),
  ],
});
