// The session's handle on the guest: the one typed way to reach the kernel. Two kinds exist: the
// runner in a child process (child-guest.ts, what Vivarium runs), and the same runner inside the
// session's own process (in-process.ts, for tests that need no process boundary).
import type { Request, SessionOpName } from '../../shared/ops.ts';
import type { SessionNotice } from '../../shared/notices.ts';
import type { Outcome } from '../../runner/core.ts';
import type { Runner } from './spawn.ts';

export type { Outcome };

export interface GuestConnection {
  /** One request within `bound` ms (0: none); an awaiting entry answers once it settled. */
  request<N extends SessionOpName>(request: Request<N>, bound?: number): Promise<Outcome<N>>;
  /** Ctrl-C: stops whatever the guest runs now, an awaiting entry included. */
  interrupt(): void;
  /** Bound on process ticks and timer callbacks. */
  configure(callbackMs: number): void;
  heap(): Promise<{ used: number; limit: number }>;
  /** Resolves with the reason once the guest has died (or was closed). */
  readonly died: Promise<string>;
  readonly alive: boolean;
  /** The process whose tick was running when the guest died (a revival stops it). */
  readonly culprit: string | undefined;
  /** Ends it now (its death is then no news). */
  kill(): void;
  close(): Promise<void>;
}

export interface GuestOptions {
  memoryMB: number;
  onNotice: (notice: SessionNotice) => void;
  /** Died while no request was waiting (a tick, a timer): the engine rebuilds it. */
  onDeath?: (reason: string) => void;
  /** A runner process started earlier (by `bin/viv.js`), used if its memory limit fits. */
  prestarted?: Runner;
}

export type GuestFactory = (options: GuestOptions) => Promise<GuestConnection>;
