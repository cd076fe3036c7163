// The runner's core: one isolate with the kernel in it, the one queue of calls into it, the
// watchdog that stops a call running past its bound (or on Ctrl-C), and the guest's clocks: its
// timers, the wake-up of process ticks, OSC out. It runs in the runner process (runner/main.ts
// wraps it in IPC), or inside the session's own process for tests (session/guest/in-process.ts).
//
// A stopped call is stopped with the inspector's Runtime.terminateExecution, which isolated-vm
// surfaces as a rejected call and leaves the isolate usable. An entry that awaits answers once it
// settles (the kernel's `settled` notice), within its bound: past it, or on Ctrl-C, it is
// abandoned and rolled back.
import ivm from 'isolated-vm';
import type { Failure, Reply, Request, RunnerOps, SessionOpName } from '../shared/ops.ts';
import type { GuestNotice, SessionNotice } from '../shared/notices.ts';
import { loadKernel } from './load-kernel.ts';
import type { LoadedKernel } from './load-kernel.ts';
import { OscOut } from './osc-out.ts';
import { STUCK_MESSAGE } from '../shared/wedged.ts';
import type { Watchdog } from './watchdog.ts';
import { userStack } from '../kernel/inspect/stack.ts';

export type Outcome<N extends SessionOpName = SessionOpName> =
  | { kind: 'reply'; reply: Reply<N> }
  /** Stopped by its bound or by Ctrl-C (`awaiting`: while it awaited a promise). */
  | { kind: 'interrupted'; awaiting?: boolean }
  | { kind: 'died'; reason: string };

export interface RunnerOptions {
  memoryMB: number;
  onNotice: (notice: SessionNotice) => void;
  /** The isolate is gone (out of memory): every later request answers `died`. `tick`: the
   * process whose tick was running then. */
  onDeath?: (reason: string, tick?: string) => void;
  /** Told when a stop is asked of the isolate and when the call comes back (see watchdog.ts). */
  watchdog?: Watchdog;
}

/** The kernel's reply to `snapshot` starts with exactly this text (its payload is not escaped). */
export const SNAPSHOT_REPLY_PREFIX = '{"ok":true,"payload":';

class Interrupted extends Error {}

/**
 * The isolate was told to stop and has not, STUCK_MS later. Seen with isolated-vm when an isolate
 * that has an inspector session reaches its memory limit in some allocation patterns: it neither
 * dies nor returns. The isolate is then given up for dead.
 */
class Stuck extends Error {
  constructor() {
    super(STUCK_MESSAGE);
  }
}
export const STUCK_MS = 3000;

/** Lines of output between entries that reach the session in one second, at most. */
const PRINT_RATE = 2000;

export class GuestRunner {
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #inspector: ivm.InspectorSession;
  readonly #kernel: LoadedKernel;
  readonly #options: RunnerOptions;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #osc: OscOut;
  #wakeTimer: NodeJS.Timeout | undefined;
  #busy = false;
  readonly #queue: (() => void)[] = [];
  #terminated = false;
  /** The call being stopped was stopped by the person (Ctrl-C), not by its bound. */
  #byPerson = false;
  /** Bound on a tick run or a timer callback (the session configures it). */
  #callbackBound = 2000;
  /** Entries that await, by entry number: how to hand over their settled reply. */
  readonly #awaiting = new Map<number, (reply: Reply<'eval'>) => void>();
  /** Entries that settled before their `pending` reply reached the runner (only microtasks awaited). */
  readonly #settledEarly = new Map<number, Reply<'eval'>>();
  /** Stops the wait of the entry that awaits (Ctrl-C). */
  #cancelAwait: (() => void) | undefined;
  #dead: string | undefined;
  /** How many interrupts came (a request compares before and after its call). */
  #interrupts = 0;
  /** Resolves once the isolate is disposed (see `dispose`). */
  #released: Promise<void> | undefined;
  /** The process whose tick is running (told by the kernel), while a `run` is in flight. */
  #ticking: string | undefined;
  /** Gives up on the call in flight (see Stuck); armed when the watchdog or Ctrl-C stops it. */
  #giveUp: ((error: Stuck) => void) | undefined;
  #stuckTimer: NodeJS.Timeout | undefined;
  /** The isolate was given up on while still running: it must never be waited for. */
  #wedged = false;
  #printWindow = 0;
  #printsInWindow = 0;
  #printsDropped = 0;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#isolate = new ivm.Isolate({ memoryLimit: options.memoryMB, inspector: true });
    this.#context = this.#isolate.createContextSync();
    this.#inspector = this.#isolate.createInspectorSession();
    this.#inspector.onResponse = () => {};
    this.#inspector.onNotification = () => {};
    this.#osc = new OscOut((text) => options.onNotice({ type: 'print', stream: 'err', text }));
    this.#kernel = loadKernel(
      this.#isolate,
      this.#context,
      (json) => this.#onNotice(JSON.parse(json) as GuestNotice),
      () => performance.now(),
    );
  }

  get memoryLimit(): number {
    return this.#options.memoryMB * 1024 * 1024;
  }

  /** The reason the isolate died, or undefined while it lives. */
  get dead(): string | undefined {
    return this.#dead;
  }

  configure(callbackMs: number): void {
    this.#callbackBound = callbackMs;
  }

  /**
   * One request, within `bound` ms (0: none), an awaiting entry until it settles. Never rejects:
   * the outcome says whether it answered, was stopped, or the isolate died.
   */
  async request<N extends SessionOpName>(request: Request<N>, bound = 0): Promise<Outcome<N>> {
    if (this.#dead) return { kind: 'died', reason: this.#dead };
    const interrupts = this.#interrupts;
    // Ticks run ahead are ticks: each within the callback bound, an overrun one crashes its process.
    if (request.op === 'runAhead') bound = this.#callbackBound;
    const started = performance.now();
    let text: string | undefined;
    let thrown: unknown;
    try {
      text = await this.#call(request, bound);
    } catch (error) {
      thrown = error;
    }
    // The kernel's `handle` never throws: what came out of the call is a promise rejection.
    for (let tries = 0; text === undefined && tries < 3; tries++) {
      if (thrown instanceof Interrupted) {
        await this.#abandon(request);
        return { kind: 'interrupted' };
      }
      if (thrown instanceof Stuck || this.#isolate.isDisposed) {
        return { kind: 'died', reason: this.#die(thrown) };
      }
      this.#reportRejection(thrown);
      try {
        const recovered = JSON.parse(
          await this.#call({ op: 'lastReply' }, 2000),
        ) as Reply<'lastReply'>;
        text = recovered.ok ? recovered.text : undefined;
        if (text === undefined) break;
      } catch (error) {
        thrown = error;
      }
    }
    if (text === undefined) {
      const failure: Failure = {
        ok: false,
        error: { name: 'InternalError', message: 'the reply of the guest was lost' },
      };
      return { kind: 'reply', reply: failure };
    }
    if (request.op === 'snapshot' && text.startsWith(SNAPSHOT_REPLY_PREFIX)) {
      const payload = text.slice(SNAPSHOT_REPLY_PREFIX.length, -1);
      return { kind: 'reply', reply: { ok: true, payload } as Reply<N> };
    }
    const reply = JSON.parse(text) as Reply<N> | { ok: true; pending: true };
    if (!('pending' in reply)) return { kind: 'reply', reply };
    const remaining = bound > 0 ? Math.max(1, bound - (performance.now() - started)) : 0;
    // Ctrl-C that came while the call ran, before the entry started to await: stop it now.
    const stopped = this.#interrupts !== interrupts;
    return this.#settle((request as Request<'eval'>).entry, remaining, stopped) as Promise<
      Outcome<N>
    >;
  }

  /** Waits for an awaiting entry to settle, its bound, Ctrl-C or the isolate's death. */
  #settle(entry: number, bound: number, stopped = false): Promise<Outcome<'eval'>> {
    const early = this.#settledEarly.get(entry);
    this.#settledEarly.delete(entry);
    if (early) return Promise.resolve({ kind: 'reply', reply: early });
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (outcome: Outcome<'eval'> | undefined) => {
        clearTimeout(timer);
        this.#awaiting.delete(entry);
        this.#cancelAwait = undefined;
        if (outcome) return resolve(outcome);
        // Past its bound, or Ctrl-C: abandoned, and rolled back.
        void this.#call({ op: 'abort', entry }, 2000)
          .catch(() => {})
          .then(() =>
            resolve(
              this.#dead
                ? { kind: 'died', reason: this.#dead }
                : { kind: 'interrupted', awaiting: true },
            ),
          );
      };
      this.#awaiting.set(entry, (reply) => done({ kind: 'reply', reply }));
      this.#cancelAwait = () => done(undefined);
      if (stopped) return done(undefined);
      if (bound > 0) timer = setTimeout(() => done(undefined), bound);
    });
  }

  /** Ctrl-C: stops whatever the guest runs now, and an entry that awaits. */
  interrupt(): void {
    this.#interrupts++;
    this.#terminate(true);
    this.#cancelAwait?.();
  }

  async heap(): Promise<{ used: number; limit: number }> {
    if (this.#dead) return { used: 0, limit: this.memoryLimit };
    // Never the Sync variant: it waits for the isolate, which may be running an endless loop.
    const heap = await this.#isolate.getHeapStatistics();
    return { used: heap.used_heap_size, limit: this.memoryLimit };
  }

  /** Ends the isolate; resolves once it is disposed. */
  dispose(): Promise<void> {
    this.#dead ??= 'the guest was closed';
    clearTimeout(this.#wakeTimer);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#osc.close();
    // A session on an isolate already disposed (out of memory) must not be touched: it hangs; nor
    // may a stuck isolate be disposed (that waits for its thread). Its process is about to end.
    if (!this.#released && !this.#isolate.isDisposed && !this.#wedged) {
      this.#inspector.dispose();
      this.#released = this.#release();
    }
    return this.#released ?? Promise.resolve();
  }

  /**
   * isolated-vm deletes a disposed inspector session in an interrupt on the isolate's thread;
   * disposing the isolate before that interrupt ran deletes the session inside the half-destroyed
   * isolate (SIGSEGV in ~V8InspectorSessionImpl, seen when the runner core runs in process). One
   * call into the isolate lets the interrupt run first (bounded: the isolate may be stuck in a loop).
   */
  async #release(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#context.eval('0').catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, 500))),
    ]);
    clearTimeout(timer);
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  #die(error: unknown): string {
    if (this.#dead) return this.#dead;
    this.#wedged = error instanceof Stuck;
    const message = String((error as Error)?.message ?? error);
    this.#dead = /memory limit/i.test(message)
      ? `the isolate ran out of memory (limit ${this.#options.memoryMB} MB)`
      : message;
    void this.dispose();
    for (const resolve of this.#awaiting.values()) {
      resolve({ ok: false, error: { name: 'GuestDied', message: this.#dead } });
    }
    this.#options.onDeath?.(this.#dead, this.#ticking);
    return this.#dead;
  }

  /** A stopped call left the kernel mid-way: an entry (or command) is rolled back. */
  async #abandon(request: Request): Promise<void> {
    if (request.op === 'runAhead') {
      const bound = this.#byPerson ? 0 : this.#callbackBound;
      await this.#call({ op: 'overrun', what: 'run', bound }, 2000).catch(() => {});
      return;
    }
    if (!('entry' in request) || request.op === 'commit') return;
    await this.#call({ op: 'abort', entry: request.entry }, 2000).catch(() => {});
  }

  #onNotice(notice: GuestNotice): void {
    switch (notice.type) {
      case 'wake':
        return this.#wakeAt(notice.at);
      case 'tick':
        this.#ticking = notice.name;
        return;
      case 'osc':
        return notice.messages.forEach((m) => this.#osc.send(m));
      case 'settled': {
        const waiting = this.#awaiting.get(notice.entry);
        if (waiting) waiting(notice.reply);
        else this.#settledEarly.set(notice.entry, notice.reply);
        return;
      }
      case 'timer': {
        clearTimeout(this.#timers.get(notice.id));
        this.#timers.delete(notice.id);
        if (notice.action === 'set') {
          const timer = setTimeout(() => {
            this.#timers.delete(notice.id);
            void this.#callback({ op: 'timer', id: notice.id });
          }, notice.delay);
          this.#timers.set(notice.id, timer);
        }
        return;
      }
      case 'print':
        return this.#print(notice);
      default:
        this.#options.onNotice(notice);
    }
  }

  /**
   * Output between entries reaches the session at most PRINT_RATE lines a second (a timer that
   * prints without end must not grow the session without bound); the rest is dropped, and how
   * many is said once a second.
   */
  #print(notice: Extract<SessionNotice, { type: 'print' }>): void {
    const now = performance.now();
    if (now - this.#printWindow >= 1000) {
      if (this.#printsDropped) {
        const n = this.#printsDropped;
        this.#options.onNotice({
          type: 'print',
          stream: 'err',
          text: `(${n} line${n === 1 ? '' : 's'} of output dropped: at most ${PRINT_RATE} a second reach the session)`,
        });
      }
      this.#printWindow = now;
      this.#printsInWindow = 0;
      this.#printsDropped = 0;
    }
    if (this.#printsInWindow >= PRINT_RATE) {
      this.#printsDropped++;
      return;
    }
    this.#printsInWindow++;
    this.#options.onNotice(notice);
  }

  /** The one timer that wakes the kernel when the earliest process tick is due. */
  #wakeAt(at: number): void {
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    if (at < 0 || this.#dead) return;
    this.#wakeTimer = setTimeout(
      () => {
        this.#wakeTimer = undefined;
        void this.#callback({ op: 'run' });
      },
      Math.max(0, at - performance.now()),
    );
  }

  /**
   * Process ticks and timer callbacks: the guest's own work between requests, under the watchdog.
   * One that runs past its bound (or is stopped with Ctrl-C) is stopped, and the kernel is told:
   * the process crashes under its supervision, the timer is cleared.
   */
  async #callback(request: Request<'run' | 'timer'>): Promise<void> {
    try {
      await this.#call(request, this.#callbackBound);
    } catch (error) {
      if (error instanceof Stuck || this.#isolate.isDisposed) {
        this.#die(error);
        return;
      }
      if (!(error instanceof Interrupted)) {
        if (!(error instanceof Stuck)) this.#reportRejection(error);
        return;
      }
      const overrun: Request<'overrun'> = {
        op: 'overrun',
        what: request.op,
        id: request.op === 'timer' ? request.id : undefined,
        bound: this.#byPerson ? 0 : this.#callbackBound,
      };
      await this.#call(overrun, 2000).catch(() => {});
    } finally {
      if (!this.#dead) this.#ticking = undefined;
    }
  }

  /**
   * A promise rejection nobody handled, which isolated-vm threw out of the call that ran the
   * microtasks: reported as Node reports one (`Uncaught TypeError: x`), after that call's reply.
   */
  #reportRejection(error: unknown): void {
    const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    const text = `Uncaught ${userStack(stack)}`;
    setImmediate(() => this.#options.onNotice({ type: 'print', stream: 'err', text }));
  }

  /** One call into the kernel at a time; stopped after `bound` ms (0: never) or on Ctrl-C. */
  async #call(request: Request, bound: number): Promise<string> {
    if (this.#busy) await new Promise<void>((wake) => this.#queue.push(wake));
    if (this.#dead) throw new Error(this.#dead);
    this.#busy = true;
    this.#terminated = false;
    const timer = bound > 0 ? setTimeout(() => this.#terminate(false), bound) : undefined;
    try {
      const { bulk, json } = splitBulk(request);
      const args: [string] | [string, string] = bulk === undefined ? [json] : [json, bulk];
      const answer = this.#kernel.handle.apply(undefined, args, { result: { copy: true } });
      const givenUp = new Promise<never>((_, reject) => (this.#giveUp = reject));
      return (await Promise.race([answer, givenUp])) as string;
    } catch (error) {
      if (error instanceof Stuck) throw error;
      if (!this.#isolate.isDisposed && this.#terminated) throw new Interrupted();
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(this.#stuckTimer);
      this.#options.watchdog?.disarm();
      this.#giveUp = undefined;
      if (this.#terminated && !this.#isolate.isDisposed && !this.#dead) {
        await this.#absorbTermination();
      }
      this.#busy = false;
      this.#queue.shift()?.();
    }
  }

  #terminate(byPerson: boolean): void {
    // Once disposed (or being disposed), its inspector session is gone.
    if (!this.#busy || this.#terminated || this.#released) return;
    this.#terminated = true;
    this.#byPerson = byPerson;
    // Armed first: the dispatch itself is where isolated-vm can deadlock this thread.
    this.#options.watchdog?.arm(this.#ticking);
    this.#stuckTimer = setTimeout(() => this.#giveUp?.(new Stuck()), STUCK_MS);
    this.#inspector.dispatchProtocolMessage(
      JSON.stringify({ id: 1, method: 'Runtime.terminateExecution' }),
    );
  }

  /** A termination that arrived after the call had finished would hit the next one: spend it. */
  async #absorbTermination(): Promise<void> {
    try {
      await this.#context.eval('0');
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

export type { RunnerOps };
