// Pagefind ranking used by the site's search box (via Starlight) and by the search tests, so the tests
// rank exactly as readers see. Exact parameter names must win over longer names sharing a stem
// (smtp_tls_ciphers vs smtp_tls_cipherlist), hence high term similarity and no short-page bonus.
//
// An exact name must also win over recipes that are about that parameter. Pagefind's word score saturates
// (termSaturation caps at 2): a recipe with the name in its title and a dozen times in its text scores as high
// as the parameter page, whatever weight the page gives the name, and the order between them is left to
// chance. So each parameter page carries its name as the `name` metadata field
// (src/pages/parameters/[name].astro), and a match in that field adds a boost after the word score, which no
// other kind of page can earn.
export const searchRanking = {
  termSimilarity: 10,
  pageLength: 0,
  termFrequency: 0.1,
  termSaturation: 2,
  metaWeights: { name: 5 },
};
