// Messages between the session process and the runner process, over Node's IPC channel
// ('advanced' serialization: a 50 MB snapshot crosses as one copy, never escaped into JSON).
import type { Request, SessionOpName } from './ops.ts';
import type { SessionNotice } from './notices.ts';
import type { Outcome } from '../runner/core.ts';

export type ParentMessage =
  | { type: 'request'; id: number; request: Request<SessionOpName>; bound: number }
  | { type: 'interrupt' }
  /** Bound on process ticks and timer callbacks, in milliseconds. */
  | { type: 'configure'; callbackMs: number }
  | { type: 'heap'; id: number };

export type RunnerMessage =
  | { type: 'ready' }
  | { type: 'outcome'; id: number; outcome: Outcome }
  | { type: 'heap'; id: number; used: number; limit: number }
  | { type: 'notice'; notice: SessionNotice }
  /** The isolate died (out of memory): the runner exits right after. */
  | { type: 'died'; reason: string; tick?: string };

/**
 * A runner whose main thread is wedged cannot send `died`: its watchdog thread writes this line on
 * stderr instead, and the session reads it (runner/watchdog.ts says when that happens).
 */
export const WEDGED = 'viv-runner-wedged ';
export const STUCK_MESSAGE =
  'the isolate did not stop when told to (out of memory near its limit, most likely)';

/** The death a wedged runner wrote on its stderr, if it did. */
export function wedgedReport(stderr: string): { reason: string; tick?: string } | undefined {
  const at = stderr.lastIndexOf(WEDGED);
  if (at < 0) return undefined;
  const line = stderr.slice(at + WEDGED.length).split('\n')[0]!;
  try {
    return JSON.parse(line) as { reason: string; tick?: string };
  } catch {
    return { reason: STUCK_MESSAGE };
  }
}
