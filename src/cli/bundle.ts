/**
 * Entry point of the published CLI (build/postfix-tls.cjs). scripts/build-cli.ts bundles this file with the
 * engine into one plain JavaScript file for Node 20 and later, and passes in the facts as JSON text, taken
 * from content/ at build time: the installed package reads no content files and needs no TypeScript.
 */
import { factsFromData, type FactsData } from '../lib/facts.ts';
import { runCli } from './main.ts';

export function runPackaged(factsJson: string, version: string, docsBase: string | undefined): Promise<void> {
  return runCli(process.argv.slice(2), { facts: () => factsFromData(JSON.parse(factsJson) as FactsData), version, docsBase });
}
