import type { Position, RuleFinding } from '../../engine-types.ts';
import type { Assignment } from '../../parse/main-cf.ts';

/** A finding at the name of an assignment. */
export function atName(a: Assignment, message: string, fix: string, parameter: string | null = a.name): RuleFinding {
  return { file: a.file, line: a.line, column: a.column, parameter, message, fix };
}

/** A finding at a character of an assignment's value (its start by default). */
export function atValue(a: Assignment, message: string, fix: string, offset = 0, parameter: string | null = a.name): RuleFinding {
  const p = a.value === '' ? { line: a.valueLine, column: a.valueColumn } : a.positionOf(offset);
  return { file: a.file, line: p.line, column: p.column, parameter, message, fix };
}

export function atPosition(file: string, pos: Position, parameter: string | null, message: string, fix: string): RuleFinding {
  return { file, line: pos.line, column: pos.column, parameter, message, fix };
}

/** How a line should look, e.g. `smtpd_tls_security_level = may` or `-o smtpd_tls_security_level=may`. */
export function settingText(a: Assignment, value: string): string {
  return a.source === 'main' ? `${a.name} = ${value}` : `-o ${a.name}=${value}`;
}

export function quote(s: string, max = 60): string {
  const t = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return `"${t}"`;
}
