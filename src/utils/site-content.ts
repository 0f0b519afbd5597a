import { getCollection } from 'astro:content';
import { compareVersions } from '../lib/versions.ts';
import { engineFactsData } from '../lib/facts.ts';
import type { ParameterRole } from '../lib/schema/index.ts';

/** Releases oldest first. */
export async function releasesInOrder() {
  return (await getCollection('releases')).map((e) => e.data).sort((a, b) => compareVersions(a.version, b.version));
}

export async function parametersByName() {
  const entries = await getCollection('parameters');
  return new Map(entries.map((e) => [e.data.name, e.data]));
}

/** Human labels for roles, in the order the index shows them. */
export const roleLabels: Record<ParameterRole, string> = {
  smtpd: 'SMTP server (smtpd)',
  smtp: 'SMTP client (smtp)',
  lmtp: 'LMTP client (lmtp)',
  postscreen: 'postscreen',
  tlsproxy: 'tlsproxy',
  global: 'Global and shared',
};

export { parameterPath as parameterUrl, recipePath as recipeUrl } from '../lib/urls.ts';

/** The facts the in-browser engine needs (checker and generator pages), from the content collections. */
export async function pageEngineFactsData() {
  return engineFactsData({
    releases: await releasesInOrder(),
    parameters: (await getCollection('parameters')).map((e) => e.data),
    securityLevels: (await getCollection('securityLevels')).map((e) => e.data),
    protocols: (await getCollection('protocols')).map((e) => e.data),
    cipherGrades: (await getCollection('cipherGrades')).map((e) => e.data),
    nonTlsParameters: (await getCollection('nonTlsParameters'))[0]?.data,
  });
}
