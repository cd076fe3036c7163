// The one queue of calls into the kernel, and how a call is stopped: after its bound, or on
// Ctrl-C, with the inspector's Runtime.terminateExecution, which isolated-vm surfaces as a
// rejected call (Interrupted here) and leaves the isolate usable. An isolate told to stop that
// does not, STUCK_MS later, is given up (Stuck). The runner's core (core.ts) owns the isolate and
// decides what a stopped or failed call means.
import type ivm from 'isolated-vm';
import type { Request } from '../shared/ops.ts';
import { STUCK_MESSAGE } from '../shared/wedged.ts';
import type { LoadedKernel } from './load-kernel.ts';
import type { Watchdog } from './watchdog.ts';

/** A call stopped by its bound or by Ctrl-C. */
export class Interrupted extends Error {}

/**
 * The isolate was told to stop and has not, STUCK_MS later. Seen with isolated-vm when an isolate
 * that has an inspector session reaches its memory limit in some allocation patterns: it neither
 * dies nor returns. The isolate is then given up for dead.
 */
export class Stuck extends Error {
  constructor() {
    super(STUCK_MESSAGE);
  }
}
export const STUCK_MS = 3000;

/** What the calls need of the runner's core. */
export interface CallParts {
  isolate: ivm.Isolate;
  context: ivm.Context;
  inspector: ivm.InspectorSession;
  kernel: LoadedKernel;
  /** Told when a stop is asked of the isolate and when the call comes back (see watchdog.ts). */
  watchdog?: Watchdog;
  /** The reason the isolate died, or undefined while it lives. */
  dead(): string | undefined;
  /** The process whose tick is running, if any (the watchdog names it). */
  ticking(): string | undefined;
}

export class KernelCalls {
  readonly #parts: CallParts;
  #busy = false;
  readonly #queue: (() => void)[] = [];
  #terminated = false;
  /** The call being stopped was stopped by the person (Ctrl-C), not by its bound. */
  #byPerson = false;
  /** Gives up on the call in flight (see Stuck); armed when the watchdog or Ctrl-C stops it. */
  #giveUp: ((error: Stuck) => void) | undefined;
  #stuckTimer: NodeJS.Timeout | undefined;
  /** The inspector session is disposed (the isolate is being disposed): no more stops. */
  #closed = false;

  constructor(parts: CallParts) {
    this.#parts = parts;
  }

  /** The call stopped last was stopped by the person (Ctrl-C), not by its bound. */
  get byPerson(): boolean {
    return this.#byPerson;
  }

  /** Disposes the inspector session; no call is stopped after this. */
  close(): void {
    this.#parts.inspector.dispose();
    this.#closed = true;
  }

  /** One call into the kernel at a time; stopped after `bound` ms (0: never) or on Ctrl-C. */
  async call(request: Request, bound: number): Promise<string> {
    const { isolate, kernel, watchdog } = this.#parts;
    if (this.#busy) await new Promise<void>((wake) => this.#queue.push(wake));
    if (this.#parts.dead()) throw new Error(this.#parts.dead());
    this.#busy = true;
    this.#terminated = false;
    const timer = bound > 0 ? setTimeout(() => this.terminate(false), bound) : undefined;
    try {
      const { bulk, json } = splitBulk(request);
      const args: [string] | [string, string] = bulk === undefined ? [json] : [json, bulk];
      const answer = kernel.handle.apply(undefined, args, { result: { copy: true } });
      const givenUp = new Promise<never>((_, reject) => (this.#giveUp = reject));
      return (await Promise.race([answer, givenUp])) as string;
    } catch (error) {
      if (error instanceof Stuck) throw error;
      if (!isolate.isDisposed && this.#terminated) throw new Interrupted();
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(this.#stuckTimer);
      watchdog?.disarm();
      this.#giveUp = undefined;
      if (this.#terminated && !isolate.isDisposed && !this.#parts.dead()) {
        await this.#absorbTermination();
      }
      this.#busy = false;
      this.#queue.shift()?.();
    }
  }

  /** Stops the call in flight, if any (`byPerson`: Ctrl-C rather than its bound). */
  terminate(byPerson: boolean): void {
    // Once disposed (or being disposed), its inspector session is gone.
    if (!this.#busy || this.#terminated || this.#closed) return;
    this.#terminated = true;
    this.#byPerson = byPerson;
    // Armed first: the dispatch itself is where isolated-vm can deadlock this thread.
    this.#parts.watchdog?.arm(this.#parts.ticking());
    this.#stuckTimer = setTimeout(() => this.#giveUp?.(new Stuck()), STUCK_MS);
    this.#parts.inspector.dispatchProtocolMessage(
      JSON.stringify({ id: 1, method: 'Runtime.terminateExecution' }),
    );
  }

  /** A termination that arrived after the call had finished would hit the next one: spend it. */
  async #absorbTermination(): Promise<void> {
    try {
      await this.#parts.context.eval('0');
    } catch {
      // the pending termination landed here, as intended
    }
  }
}

/** `restoreBegin`'s snapshot travels beside the JSON request, as is (it may be 50 MB). */
function splitBulk(request: Request): { json: string; bulk?: string } {
  if (request.op !== 'restoreBegin') return { json: JSON.stringify(request) };
  const { payload, ...rest } = request;
  return { json: JSON.stringify(rest), bulk: payload };
}
