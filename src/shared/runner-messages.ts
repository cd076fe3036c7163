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
