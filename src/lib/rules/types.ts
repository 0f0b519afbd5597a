import type { EffectiveConfig } from '../config/effective.ts';
import type { FileKind, RuleFinding, Severity } from '../engine-types.ts';
import type { Facts } from '../facts.ts';

/** What every rule receives: the facts, the target release and the effective configuration. */
export interface RuleContext {
  facts: Facts;
  /** The Postfix release the check targets. */
  version: string;
  config: EffectiveConfig;
}

/**
 * One check. The site builds a page per rule from this metadata (`/rules/<id>/`), so the description is
 * written for an admin, and the example shows a real mistake and its fix.
 */
export interface Rule {
  /** Stable kebab-case id, also the file name. */
  id: string;
  title: string;
  severity: Severity;
  /** One paragraph: what the rule finds and why it matters. */
  description: string;
  /**
   * For error rules (required there, see severity-policy.ts): what certainly happens to mail or secrets when
   * Postfix runs with the configuration, in one sentence.
   */
  consequence?: string;
  example: {
    /** Which file the example lines belong in. */
    file: FileKind;
    bad: string;
    good: string;
  };
  check(ctx: RuleContext): RuleFinding[];
}
