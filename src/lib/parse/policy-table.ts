import type { ParseProblem, Position } from '../engine-types.ts';
import { logicalLines, positionIn, tokenize } from './logical-lines.ts';
import type { Field } from './master-cf.ts';
import { prepareSource, type SourceView } from './source-view.ts';
import { PLACEHOLDER, type BranchPath } from './templates.ts';

/**
 * The source form of an smtp_tls_policy_maps table (what postmap reads): `key  level attr=value ...`.
 */

export type PolicyKeyKind = 'domain' | 'subdomains' | 'nexthop' | 'nexthop-port' | 'domain-port' | 'regexp' | 'templated';

export interface PolicyAttribute extends Position {
  /** Lower-cased: Postfix compares attribute names case-insensitively. */
  name: string;
  value: string;
  valueLine: number;
  valueColumn: number;
  positionOf(offset: number): Position;
}

export interface PolicyEntry {
  file: string;
  key: Field;
  keyKind: PolicyKeyKind;
  level?: Field;
  attributes: PolicyAttribute[];
  templated: boolean;
  /** A syntax problem makes Postfix reject this entry; other checks skip it. */
  malformed: boolean;
  branch: BranchPath;
}

export interface PolicyTable {
  file: string;
  entries: PolicyEntry[];
  problems: ParseProblem[];
  templatedLines: number[];
  view: SourceView;
}


const hostname = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const address = /^(ipv6:)?[0-9A-Fa-f:.]+$/;

/** Classifies a lookup key; returns a reason when Postfix could never look it up. */
export function classifyPolicyKey(key: string): { kind: PolicyKeyKind } | { error: string; fix: string } {
  if (key.includes(PLACEHOLDER)) return { kind: 'templated' };
  if (key.startsWith('/')) return { kind: 'regexp' };
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(key);
  if (bracket) {
    const host = bracket[1] ?? '';
    const port = bracket[2];
    if (!hostname.test(host) && !address.test(host)) {
      return { error: `"${host}" inside the brackets is not a host name or address.`, fix: 'Write [mail.example.com] or [192.0.2.1].' };
    }
    if (port === undefined) return { kind: 'nexthop' };
    if (!/^\d{1,5}$/.test(port) && !/^[a-z][a-z0-9-]*$/.test(port)) {
      return { error: `"${port}" is not a port number or service name.`, fix: 'Write [host]:587 or [host]:submission.' };
    }
    return { kind: 'nexthop-port' };
  }
  if (key.startsWith('[')) return { error: 'The "[" is never closed.', fix: 'Write [host] or [host]:port.' };
  const withPort = /^([^:]+):(\d{1,5}|[a-z][a-z0-9-]*)$/.exec(key);
  const domain = withPort ? (withPort[1] ?? '') : key;
  const sub = domain.startsWith('.');
  const bare = sub ? domain.slice(1) : domain;
  if (!hostname.test(bare)) {
    return { error: `"${key}" is not a domain name, .domain, [host] or [host]:port.`, fix: 'Write example.com, .example.com, [mail.example.com] or [mail.example.com]:587.' };
  }
  if (withPort) return { kind: 'domain-port' };
  return { kind: sub ? 'subdomains' : 'domain' };
}

export function parsePolicyTable(text: string, file = 'tls_policy'): PolicyTable {
  const view = prepareSource(text, 'policy');
  const problems: ParseProblem[] = [];
  const entries: PolicyEntry[] = [];
  const templatedLines: number[] = [];

  for (const ll of logicalLines(view.lines)) {
    const posOf = (offset: number) => positionIn(ll, offset, view.toOriginal);
    if (ll.orphan) {
      if (ll.text.includes(PLACEHOLDER)) { templatedLines.push(ll.line); continue; }
      problems.push({
        ...posOf(ll.text.search(/\S/)), code: 'orphan-continuation', parameter: null,
        message: 'This line starts with whitespace but there is no entry above it to continue; postmap ignores it.',
        fix: 'Start the entry with its destination at the beginning of the line.',
      });
      continue;
    }
    // The key ends at the first whitespace; the value is split on whitespace and commas.
    const keyMatch = /^\S+/.exec(ll.text);
    const keyText = keyMatch?.[0] ?? '';
    const key: Field = { text: keyText, raw: view.originalSlice(posOf(0).line, posOf(0).column, keyText.length), ...posOf(0) };
    const rest = ll.text.slice(keyText.length);
    const tokens = tokenize(rest, {
      commas: true,
      onUnbalanced: (offset) => problems.push({
        ...posOf(keyText.length + offset), code: 'unclosed-brace', parameter: null,
        message: 'This "{" is never closed; Postfix calls the attribute malformed and defers mail for this destination.',
        fix: 'Close the group: { name = value }.',
      }),
    }).map((t) => ({ text: t.text, offset: t.offset + keyText.length }));
    const templated = ll.text.includes(PLACEHOLDER);
    const branch = view.branches[ll.line - 1] ?? [];

    const kind = classifyPolicyKey(keyText);
    if ('error' in kind) {
      problems.push({ ...key, code: 'lookup-key', parameter: null, message: `${kind.error} Postfix never looks up such a key, so this entry has no effect.`, fix: kind.fix });
    }
    if (tokens.length === 0) {
      if (templated) { templatedLines.push(ll.line); continue; }
      problems.push({
        ...key, code: 'missing-level', parameter: null,
        message: `"${keyText}" has no security level after it; postmap stops with "expected format: key whitespace value".`,
        fix: `Write e.g. "${keyText}  encrypt".`,
      });
      continue;
    }
    const [levelTok, ...attrToks] = tokens;
    const entry: PolicyEntry = {
      file, key, keyKind: 'error' in kind ? 'domain' : kind.kind,
      level: levelTok ? { text: levelTok.text, raw: levelTok.text, ...posOf(levelTok.offset) } : undefined,
      attributes: [], templated, malformed: 'error' in kind, branch,
    };
    for (let i = 0; i < attrToks.length; i++) {
      const t = attrToks[i];
      if (!t) continue;
      let body = t.text;
      let bodyOffset = t.offset;
      if (body.startsWith('{')) {
        const inner = body.slice(1, body.endsWith('}') ? -1 : undefined);
        bodyOffset += 1 + inner.search(/\S|$/);
        body = inner.trim();
      }
      const eq = body.indexOf('=');
      if (eq <= 0) {
        if (body.includes(PLACEHOLDER)) continue;
        entry.malformed = true;
        const next = attrToks[i + 1];
        if (eq < 0 && next?.text.startsWith('=')) {
          // "match = nexthop": one mistake, reported once.
          const value = next.text === '=' ? attrToks[i + 2]?.text ?? '' : next.text.slice(1);
          i += next.text === '=' ? 2 : 1;
          problems.push({
            ...posOf(t.offset), code: 'attribute-spaced-equals', parameter: null,
            message: `"${body} = ${value}" has spaces around "=": whitespace separates attributes, so Postfix sees "${body}" without a value, calls the policy malformed and defers mail for ${keyText}.`,
            fix: `Write ${body}=${value} without spaces.`,
          });
          continue;
        }
        const protocolLike = /^(!|[<>]=)?(SSL|TLS)v/i.test(body);
        problems.push({
          ...posOf(t.offset), code: 'attribute-without-equals', parameter: null,
          message: protocolLike
            ? `"${t.text}" stands on its own: commas and spaces end an attribute, so this protocol is not part of protocols=, and Postfix calls the policy for ${keyText} malformed and defers its mail.`
            : `"${t.text}" is not an attribute=value pair; Postfix calls the policy malformed and defers mail for ${keyText}.`,
          fix: protocolLike
            ? 'Separate protocols with ":" inside a policy table, e.g. protocols=!SSLv2:!SSLv3.'
            : eq === 0 ? 'Put the attribute name before "=".' : 'Write name=value without spaces around "=", e.g. match=hostname.',
        });
        continue;
      }
      const rawValue = body.slice(eq + 1);
      const lead = rawValue.search(/\S|$/);
      const valueOffset = bodyOffset + eq + 1 + lead;
      const namePos = posOf(bodyOffset);
      const valuePos = posOf(valueOffset);
      entry.attributes.push({
        name: body.slice(0, eq).trim().toLowerCase(), value: rawValue.trim().replace(/\s+/g, ' '),
        line: namePos.line, column: namePos.column, valueLine: valuePos.line, valueColumn: valuePos.column,
        positionOf: (offset: number) => posOf(valueOffset + offset),
      });
    }
    entries.push(entry);
  }
  return { file, entries, problems, templatedLines, view };
}
