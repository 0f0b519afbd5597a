// The /generate/ page's Web Worker: parses the facts once, then generates configurations and migrations off the
// main thread (a migration also runs the checker on the pasted configuration). Messages: {type:'facts', json}
// once, then {type:'generate'|'migrate', id, ...}; each answer carries its request's id.
import { runCheck, type CheckAnswer } from '../checker/run.ts';
import { FINDINGS_PER_MESSAGE } from '../checker/boxes.ts';
import { factsFromData, type Facts, type FactsData } from '../facts.ts';
import { generate, type GenerateOptions, type GenerateResult, type Role } from './index.ts';
import { detectRoles, migrate, parseCurrent, type MigrateResult } from './migrate.ts';

export type ToWorker =
  | { type: 'facts'; json: string }
  | { type: 'generate'; id: number; options: GenerateOptions }
  | { type: 'migrate'; id: number; options: GenerateOptions; main: string; master: string };

export interface MigrationAnswer {
  migration: MigrateResult;
  /** The checker's findings on the pasted configuration (the first FINDINGS_PER_MESSAGE). */
  check: CheckAnswer;
  /** The roles the pasted configuration looks like it serves. */
  detected: { roles: Role[]; relayhost?: string };
}

export type FromWorker =
  | { id: number; type: 'generated'; result: GenerateResult }
  | { id: number; type: 'migrated'; answer: MigrationAnswer }
  | { id: number; type: 'error'; kind: 'generate' | 'migrate'; error: string };

const scope = self as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(message: FromWorker): void };
let facts: Facts | undefined;

scope.onmessage = ({ data }) => {
  if (data.type === 'facts') {
    facts = factsFromData(JSON.parse(data.json) as FactsData);
    return;
  }
  try {
    if (!facts) throw new Error('the generator data has not arrived');
    if (data.type === 'generate') {
      scope.postMessage({ id: data.id, type: 'generated', result: generate(facts, data.options) });
      return;
    }
    const migration = migrate(facts, { main: data.main, master: data.master, options: data.options });
    const version = migration.generated.version;
    // Without a known release (the generator said why) there is nothing to check against.
    const check: CheckAnswer = version
      ? runCheck({ texts: { main: data.main, master: data.master, policy: '' }, postfix: version }, facts)
      : { findings: [], total: 0, counts: { error: 0, warning: 0, info: 0 }, misplaced: [], checked: [], lines: 0 };
    const detected = version && data.main.trim() ? detectRoles(parseCurrent(facts, data.main, data.master, version)) : { roles: [] };
    scope.postMessage({ id: data.id, type: 'migrated', answer: { migration, detected, check: { ...check, findings: check.findings.slice(0, FINDINGS_PER_MESSAGE) } } });
  } catch (err) {
    scope.postMessage({ id: data.id, type: 'error', kind: data.type, error: (err as Error).message });
  }
};
