// Messages between the session process and the guest runner process (over Node's IPC channel).
import type { GuestNotice, Request } from './protocol.ts';

export type ParentMessage =
  | { type: 'request'; id: number; request: Request; timeout?: number; data?: string }
  | { type: 'interrupt' }
  /** Bound on process ticks and timer callbacks, in milliseconds. */
  | { type: 'configure'; callbackMs: number }
  | { type: 'heap'; id: number };

export type RunnerMessage =
  | { type: 'ready' }
  | { type: 'reply'; id: number; reply: string }
  | { type: 'interrupted'; id: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'died'; id: number; reason: string }
  | { type: 'heap'; id: number; used: number; limit: number }
  | { type: 'notice'; notice: GuestNotice };
