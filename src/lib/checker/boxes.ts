// The three input boxes of /check/, shared by the page and its worker (no engine imports, so the page
// bundle stays small: the engine itself is loaded by the worker only).
import type { FileKind } from '../engine-types.ts';

export const boxKinds: readonly FileKind[] = ['main', 'master', 'policy'];
export const boxLabels: Record<FileKind, string> = { main: 'main.cf', master: 'master.cf', policy: 'TLS policy table' };

/** Findings sent with an answer, and per request for more: the page never receives them all at once. */
export const FINDINGS_PER_MESSAGE = 100;
