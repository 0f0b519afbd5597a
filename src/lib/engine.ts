/**
 * The config engine's public surface, for the site build (remark plugin), the CLI, the browser checker
 * and the real-Postfix tests. Everything here is plain TypeScript without Node or Astro imports.
 */
export { analyze, check, optionProblems, type Analysis, type CheckOptions } from './check.ts';
export {
  parameterDocsUrl, ruleDocsUrl,
  type FileKind, type Finding, type InputFile, type ParseProblem, type Position, type RuleFinding, type Severity,
} from './engine-types.ts';
export { kindFromName } from './file-kinds.ts';
export { rules, ruleById, type Rule, type RuleContext } from './rules/index.ts';
export { judgesName, unknownParameters } from './rules/unknown-parameter.ts';
export { buildEffectiveConfig, type EffectiveConfig, type Resolved } from './config/effective.ts';
export type { Service, Endpoint, Program } from './config/services.ts';
export { stockMasterCf } from './config/stock-master-cf.ts';
export { parseMainCf, type Assignment, type MainCf } from './parse/main-cf.ts';
export { parseMasterCf, type MasterCf, type ServiceEntry } from './parse/master-cf.ts';
export { parsePolicyTable, type PolicyEntry, type PolicyTable } from './parse/policy-table.ts';
