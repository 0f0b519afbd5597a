// Recipes grouped the way admins look for them: receiving mail, sending mail, running and upgrading.
// Shared by the sidebar (astro.config.mjs) and the home and recipe index pages.

export interface RecipeSummary {
  slug: string;
  title: string;
  summary: string;
  tags: string[];
}

export const recipeGroupLabels = {
  server: 'Receiving mail (SMTP server)',
  client: 'Sending mail (SMTP client)',
  operations: 'Operations, testing and upgrades',
} as const;
export type RecipeGroup = keyof typeof recipeGroupLabels;

export function recipeGroup(tags: readonly string[]): RecipeGroup {
  const server = tags.includes('server');
  const client = tags.includes('client');
  if (server && !client) return 'server';
  if (client && !server && !tags.includes('upgrade')) return 'client';
  return 'operations';
}

export function groupRecipes<T extends RecipeSummary>(recipes: readonly T[]): { group: RecipeGroup; label: string; items: T[] }[] {
  return (Object.keys(recipeGroupLabels) as RecipeGroup[]).map((group) => ({
    group,
    label: recipeGroupLabels[group],
    items: recipes.filter((r) => recipeGroup(r.tags) === group).sort((a, b) => a.title.localeCompare(b.title)),
  })).filter((g) => g.items.length > 0);
}
