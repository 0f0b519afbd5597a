// Site paths shared by pages, the engine's findings and the CLI. These URLs are published (pasted into
// support answers), so they never change: test/e2e/published-urls.txt holds them to that.

/** A parameter page. Lowercased so that smtpd_tls_CAfile and smtpd_tls_cafile both land on one page. */
export const parameterPath = (name: string) => `/parameters/${name.toLowerCase()}/`;

/** Short form for support answers. */
export const shortParameterPath = (name: string) => `/p/${name.toLowerCase()}/`;

/** A checker rule's explanation page. */
export const rulePath = (id: string) => `/rules/${id}/`;

export const recipePath = (slug: string) => `/recipes/${slug}/`;
