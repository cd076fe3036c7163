// Starting a guest for the engine: a runner child process (or what the options give instead),
// its notices routed to the engine, and a guest that dies between requests rebuilt under the
// engine's lock.
import type { SessionNotice } from '../../shared/notices.ts';
import { ChildGuest } from '../guest/child-guest.ts';
import type { GuestConnection } from '../guest/guest.ts';
import type { EngineOptions } from './options.ts';
import type { Rebuilder } from './rebuild.ts';

/** What starting a guest needs of the engine. */
export interface GuestStartHost {
  readonly guest: GuestConnection | undefined;
  readonly closing: boolean;
  readonly rebuilder: Rebuilder;
  readonly options: Required<Pick<EngineOptions, 'memoryMB' | 'timeoutMs'>> & EngineOptions;
  exclusive<T>(body: () => Promise<T>): Promise<T>;
}

/** Starts a guest (a runner child process unless the options say otherwise). */
export async function startGuest(
  host: GuestStartHost,
  onNotice: (notice: SessionNotice) => void,
  callbackBound: number,
): Promise<GuestConnection> {
  const prestarted = host.options.prestarted;
  host.options.prestarted = undefined;
  let guest: GuestConnection | undefined = undefined;
  const start = host.options.guest ?? ChildGuest.start;
  guest = await start({
    prestarted,
    memoryMB: host.options.memoryMB,
    onNotice,
    // Died between requests (a tick, a timer): rebuild, unless an operation already did. A
    // process whose tick killed the guest is stopped (journaled), not replayed into a loop.
    // Dead before it was ready (no guest yet): starting it fails, and whoever started it says so.
    onDeath: (reason) => {
      if (host.closing || host.rebuilder.cancelled || guest === undefined) return;
      void host
        .exclusive(async () => (guest === host.guest ? host.rebuilder.revive(reason) : undefined))
        .then((message) => message && host.options.onRevive?.(message));
    },
  });
  guest.configure(callbackBound);
  return guest;
}
