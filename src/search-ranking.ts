// Pagefind ranking used by the site's search box (via Starlight) and by the search tests, so the tests
// rank exactly as readers see. Exact parameter names must win over longer names sharing a stem
// (smtp_tls_ciphers vs smtp_tls_cipherlist), hence high term similarity and no short-page bonus.
export const searchRanking = {
  termSimilarity: 10,
  pageLength: 0,
  termFrequency: 0.1,
  termSaturation: 2,
};
