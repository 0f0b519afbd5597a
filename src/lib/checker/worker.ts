// The /check/ page's Web Worker: parses the facts once, then checks each request off the main thread and
// packs the input for the share link. Messages: {type:'facts', json} once, then {type:'check', id, request}.
import { factsFromData, type Facts, type FactsData } from '../facts.ts';
import { encodeShared, MAX_SHARED_CHARS } from '../share.ts';
import { FINDINGS_PER_MESSAGE } from './boxes.ts';
import { runCheck, type CheckAnswer, type CheckRequest, type ShownFinding } from './run.ts';

export type ToWorker =
  | { type: 'facts'; json: string }
  | { type: 'check'; id: number; request: CheckRequest }
  | { type: 'more'; id: number; from: number };
/**
 * The answer comes first (with the first findings), the packed input for the share link ("#c=", null when
 * too long) right after it; 'more' carries further findings of the last answer.
 */
export type FromWorker =
  | { id: number; type: 'answer'; answer: CheckAnswer }
  | { id: number; type: 'more'; from: number; findings: ShownFinding[] }
  | { id: number; type: 'packed'; packed: string | null }
  | { id: number; type: 'error'; error: string };

const scope = self as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(message: FromWorker): void };
let facts: Facts | undefined;
/** The findings of the last check, for 'more' requests. */
let last: { id: number; findings: ShownFinding[] } | undefined;

scope.onmessage = async ({ data }) => {
  if (data.type === 'facts') {
    facts = factsFromData(JSON.parse(data.json) as FactsData);
    return;
  }
  if (data.type === 'more') {
    if (last?.id === data.id) scope.postMessage({ id: data.id, type: 'more', from: data.from, findings: last.findings.slice(data.from, data.from + FINDINGS_PER_MESSAGE) });
    return;
  }
  try {
    if (!facts) throw new Error('the checker data has not arrived');
    const answer = runCheck(data.request, facts);
    last = { id: data.id, findings: answer.findings };
    scope.postMessage({ id: data.id, type: 'answer', answer: { ...answer, findings: answer.findings.slice(0, FINDINGS_PER_MESSAGE) } });
    const { texts, postfix, compat } = data.request;
    const packed = await encodeShared({ ...texts, postfix, compat });
    scope.postMessage({ id: data.id, type: 'packed', packed: packed.length <= MAX_SHARED_CHARS ? packed : null });
  } catch (err) {
    scope.postMessage({ id: data.id, type: 'error', error: (err as Error).message });
  }
};
