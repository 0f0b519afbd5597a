import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { ContentProblem } from './problem.ts';

export type FieldPath = readonly (string | number)[];

/** A parsed YAML file that can say on which line any field lives. */
export interface PositionedYaml {
  file: string;
  data: unknown;
  /** Line of the deepest existing node along `path` (the key line for a missing child). */
  lineOf(path: FieldPath): number;
}

export type ParsedYaml = { ok: true; value: PositionedYaml } | { ok: false; problems: ContentProblem[] };

/** Parses YAML keeping positions; syntax errors come back as positioned problems, never as throws. */
export function parsePositionedYaml(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        line: lineCounter.linePos(e.pos[0]).line,
        field: '',
        reason: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  return {
    ok: true,
    value: { file, data: doc.toJS(), lineOf: (path) => lineOfPath(doc, lineCounter, path) },
  };
}

function lineOfPath(doc: Document, lc: LineCounter, path: FieldPath): number {
  let node: unknown = doc.contents;
  let line = 1;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(key));
      if (!pair) break;
      const keyNode = pair.key as { range?: [number, number, number] };
      if (keyNode.range) line = lc.linePos(keyNode.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
      node = node.items[key];
      const range = (node as { range?: [number, number, number] }).range;
      if (range) line = lc.linePos(range[0]).line;
    } else {
      break;
    }
  }
  return line;
}
