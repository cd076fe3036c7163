// Entries that await: the kernel answers such an entry `pending` at once and sends its reply later,
// in a `settled` notice. The runner's core waits here for that reply, within the entry's bound; past
// it, on Ctrl-C or on the isolate's death, the entry is abandoned (the kernel rolls it back).
import type { Reply } from '../shared/ops.ts';

/** How an awaiting entry ended (core.ts's Outcome<'eval'>). */
export type Settled =
  | { kind: 'reply'; reply: Reply<'eval'> }
  | { kind: 'interrupted'; awaiting: true }
  | { kind: 'died'; reason: string };

export class AwaitingEntries {
  /** Entries that await, by entry number: how to hand over their settled reply. */
  readonly #awaiting = new Map<number, (reply: Reply<'eval'>) => void>();
  /** Entries that settled before their `pending` reply reached the runner (only microtasks awaited). */
  readonly #settledEarly = new Map<number, Reply<'eval'>>();
  /** Stops the wait of the entry that awaits (Ctrl-C). */
  #cancelAwait: (() => void) | undefined;
  /** Tells the kernel to abandon an entry (it rolls it back). */
  readonly #abort: (entry: number) => Promise<unknown>;
  readonly #dead: () => string | undefined;

  constructor(abort: (entry: number) => Promise<unknown>, dead: () => string | undefined) {
    this.#abort = abort;
    this.#dead = dead;
  }

  /** Waits for an awaiting entry to settle, its bound, Ctrl-C or the isolate's death. */
  settle(entry: number, bound: number, stopped = false): Promise<Settled> {
    const early = this.#settledEarly.get(entry);
    this.#settledEarly.delete(entry);
    if (early) return Promise.resolve({ kind: 'reply', reply: early });
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (outcome: Settled | undefined) => {
        clearTimeout(timer);
        this.#awaiting.delete(entry);
        this.#cancelAwait = undefined;
        if (outcome) return resolve(outcome);
        // Past its bound, or Ctrl-C: abandoned, and rolled back.
        void this.#abort(entry)
          .catch(() => {})
          .then(() => {
            const dead = this.#dead();
            resolve(
              dead ? { kind: 'died', reason: dead } : { kind: 'interrupted', awaiting: true },
            );
          });
      };
      this.#awaiting.set(entry, (reply) => done({ kind: 'reply', reply }));
      this.#cancelAwait = () => done(undefined);
      if (stopped) return done(undefined);
      if (bound > 0) timer = setTimeout(() => done(undefined), bound);
    });
  }

  /** The kernel's `settled` notice: the reply of an entry that awaited. */
  settled(entry: number, reply: Reply<'eval'>): void {
    const waiting = this.#awaiting.get(entry);
    if (waiting) waiting(reply);
    else this.#settledEarly.set(entry, reply);
  }

  /** Ctrl-C: the entry that awaits stops waiting. */
  cancel(): void {
    this.#cancelAwait?.();
  }

  /** The isolate died: every entry that awaits answers so. */
  died(message: string): void {
    for (const resolve of this.#awaiting.values()) {
      resolve({ ok: false, error: { name: 'GuestDied', message } });
    }
  }
}
